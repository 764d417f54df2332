"""Small word-level helpers shared by extraction and normalisation."""


def singular(word: str) -> str:
    """A plural's singular where no lemma is at hand (`legs` -> `leg`, `therapies` -> `therapy`)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "as", "ys")):
        return word[:-1]
    return word
