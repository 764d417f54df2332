"""Each construction the extractor must read, on real sentences in their documents.

The sentences come from the bundled seed articles and the NIH development
articles in ../shared; each test names the construction class it checks.
"""

from __future__ import annotations

from conftest import evidence_for_text, evidence_of, medquad, rows_in, seed


def causes(rows) -> set[str]:
    return {r.cause.text.lower() for r in rows}


def topic_rows(rows, topic_word: str):
    return [r for r in rows if topic_word in r.effect.name.lower()]


# -- predicates in active and passive voice -----------------------------------------


def test_active_verb_with_pronoun_object_resolves_to_topic():
    rows = rows_in(evidence_of(medquad("4_MPlus_Health_Topics_QA_0000232")), "Air pollution, chemical fumes")
    assert {"air pollution", "chemical fumes", "dust"} <= causes(rows)
    assert all("pulmonary" in r.effect.name or "copd" in r.effect.name for r in rows)
    assert all(r.direction == "increases" and not r.negated for r in rows)


def test_passive_voice_caused_by():
    rows = rows_in(evidence_of(seed("001")), "This deficit can be caused by")
    assert {"inadequate dietary intake", "malabsorption", "blood loss"} <= causes(rows)
    # anaphora: "this deficit" is the iron deficiency named in the sentence before
    assert all("iron" in r.effect.name for r in rows)


def test_contribute_to_with_coordination_one_claim_per_conjunct():
    rows = rows_in(evidence_of(seed("000")), "Conditions like kidney failure")
    assert {"kidney failure", "diabetes", "peripheral neuropathy"} <= causes(rows)
    assert "conditions" not in causes(rows)
    assert {r.relation for r in rows} == {"contributes_to"}


def test_conjoined_verbs_share_their_object_and_examples_replace_umbrella():
    rows = rows_in(evidence_of(seed("001")), "can induce or worsen RLS symptoms")
    assert causes(rows) == {"antihistamines", "antidepressants", "antipsychotics"}
    assert {r.relation for r in rows} <= {"induces", "worsens"}
    assert all("restless" in r.effect.name for r in rows)


def test_help_alleviate_is_a_treatment_that_decreases():
    rows = rows_in(evidence_of(seed("000")), "can help alleviate symptoms")
    assert causes(rows) == {"dopamine agonists", "antiseizure drugs"}
    assert {r.direction for r in rows} == {"decreases"}
    assert all("restless" in r.effect.name for r in rows)


def test_chained_leading_to_and_mechanism_claim():
    rows = rows_in(evidence_of(seed("004")), "low iron levels can disrupt dopamine production")
    mech = [r for r in rows if "dopamine" in r.effect.text]
    assert mech and mech[0].cause.text == "low iron levels"
    assert (mech[0].relation, mech[0].direction) == ("impairs", "decreases")
    # "..., leading to the onset or exacerbation of RLS": the same cause reaches the topic
    assert any(r.cause.text == "low iron levels" and "restless" in r.effect.name for r in rows)


def test_x_induced_y():
    # a BC5CDR development-set title (PMID 6504332)
    rows = evidence_for_text("Phenobarbital-induced dyskinesia in a neurologically-impaired child.")
    assert [(r.cause.text, r.effect.text, r.relation) for r in rows] == [("Phenobarbital", "dyskinesia", "induces")]


# -- copular and nominal forms -----------------------------------------------------


def test_one_of_the_causes_of_y_is_x_with_hedge():
    rows = rows_in(evidence_of(seed("000")), "One of the primary causes of restless legs")
    assert rows and "basal ganglia" in rows[0].cause.text
    assert rows[0].relation == "causes" and rows[0].hedge == "believed"


def test_risk_factor_for_y():
    rows = rows_in(evidence_of(seed("004")), "Pregnancy is another potential risk factor")
    assert [(r.cause.text, r.relation) for r in rows] == [("Pregnancy", "risk_factor")]
    assert rows[0].hedge == "potential"


def test_plays_a_role_in_triggering():
    rows = rows_in(evidence_of(seed("002")), "Dietary deficiencies play a crucial role")
    assert rows and rows[0].cause.text == "Dietary deficiencies"
    assert rows[0].relation == "triggers"


def test_correlation_between_x_and_y_takes_x_not_the_correlation():
    rows = rows_in(evidence_of(seed("000")), "strong correlation between iron deficiency")
    assert causes(rows) == {"iron deficiency"}
    assert rows[0].relation == "associated_with"


def test_linked_to_worsening():
    rows = rows_in(evidence_of(seed("000")), "have been linked to worsening RLS symptoms")
    assert causes(rows) == {"antinausea drugs", "antipsychotic medications"}
    assert {r.relation for r in rows} == {"worsens"}


def test_y_due_to_x():
    rows = rows_in(evidence_of(seed("000")), "due to hormonal changes")
    assert any(r.cause.text == "hormonal changes" and r.relation == "caused_by" for r in rows)


def test_x_is_a_major_contributor_with_implicit_effect():
    rows = rows_in(evidence_of(seed("002")), "is another major contributor")
    assert any(r.cause.text.startswith("Kidney failure") and "restless" in r.effect.name for r in rows)


def test_implicit_effect_resolves_to_document_topic():
    rows = rows_in(evidence_of(seed("002")), "iron deficiency anemia is one of the most well-established")
    assert causes(rows) == {"iron deficiency anemia"}
    assert all("restless" in r.effect.name for r in rows)


def test_are_among_the_conditions_linked_to_y():
    rows = rows_in(evidence_of(seed("004")), "are among the conditions linked to RLS")
    assert {"chronic kidney disease", "diabetes", "peripheral neuropathy"} <= causes(rows)


def test_idiom_runs_in_families_names_genetic_factors():
    rows = rows_in(evidence_of(seed("004")), "RLS seems to run in families")
    assert any(r.cause.name == "genetic factors" and "restless" in r.effect.name for r in rows)


# -- lists, labels, headings -------------------------------------------------------


def test_bullet_label_is_not_glued_to_its_sentence():
    rows = rows_in(evidence_of(seed("000")), "Pregnant women often experience restless legs")
    assert rows, "the bullet's sentence yields claims"
    assert all(not r.cause.text.startswith("Pregnancy:") for r in rows)


def test_heading_names_the_section_of_its_claims():
    rows = rows_in(evidence_of(seed("002")), "Certain drugs, especially tricyclic antidepressants")
    assert {r.section for r in rows} == {"Medications That May Trigger RLS"}
    assert causes(rows) == {"tricyclic antidepressants", "antipsychotics", "antihistamines"}


def test_list_lead_in_hands_its_cause_slot_to_the_items():
    rows = rows_in(evidence_of(medquad("5_NIDDK_QA_0000009")), "Hashimotos disease")
    items = [r for r in rows if r.rule == "list_item"]
    assert any(r.cause.text == "Hashimotos disease" and "hypothyroidism" in r.effect.name for r in items)
    assert all("several causes" in r.context for r in items)


def test_headings_are_context_not_evidence():
    rows = evidence_of(seed("002"))
    assert not any(r.sentence == "Medications That May Trigger RLS" for r in rows)


# -- direction, negation, hedges ---------------------------------------------------


def test_negation_through_a_governing_verb():
    rows = rows_in(evidence_of(medquad("5_NIDDK_QA_0000203")), "scientists do not believe")
    negated = [r for r in rows if "eating" in r.cause.text]
    assert negated and all(r.negated for r in negated)


def test_negation_shared_by_conjoined_verbs():
    rows = rows_in(evidence_of(medquad("8_NHLBI_QA_XML_0000051")), "won't break off and cause PE")
    assert rows and all(r.negated for r in rows)


def test_is_thought_to_is_a_hedge_and_does_not_inherit_a_neighbouring_negation():
    rows = rows_in(evidence_of(seed("004")), "thought to be related to hormonal fluctuations")
    assert rows and all(not r.negated for r in rows)
    assert rows[0].hedge == "thought"


def test_direction_follows_the_predicate_and_the_effect_frame():
    rows = evidence_of(seed("000"))
    development = rows_in(rows, "can contribute to the development of restless legs")
    relief = rows_in(rows, "can all contribute to symptom relief")
    assert development and {r.direction for r in development} == {"increases"}
    assert relief and {r.direction for r in relief} == {"decreases"}  # "relief" reverses "contribute"


def test_a_phrase_after_the_last_conjunct_belongs_to_every_conjunct():
    rows = rows_in(evidence_of(medquad("8_NHLBI_QA_XML_0000051")), "signs and symptoms of deep vein thrombosis")
    assert rows and all(r.cause.text != "symptoms" for r in rows)
    assert {r.cause.text for r in rows} >= {"signs of deep vein thrombosis", "symptoms of deep vein thrombosis"}


def test_damage_to_a_plural_organ_is_named_as_a_compound():
    rows = rows_in(evidence_of(medquad("8_NHLBI_QA_XML_0000051")), "can damage the veins")
    damage = [r for r in rows if r.relation == "damages"]
    assert damage and {r.effect.name for r in damage} == {"vein damage"}


def test_a_relative_clause_on_a_classifying_noun_is_said_of_what_it_classifies():
    rows = rows_in(evidence_of(medquad("5_NIDDK_QA_0000203")), "a disease that occurs when the kidneys fail")
    assert rows and "disease" not in {r.effect.name for r in rows} | {r.cause.name for r in rows}
    assert any(r.effect.text == "renal tubular acidosis" and r.cause.text.startswith("the kidneys fail")
               for r in rows)


def test_people_of_all_ages_is_no_cause():
    rows = rows_in(evidence_of(medquad("8_NHLBI_QA_XML_0000021")), "People of all ages can develop")
    assert rows and not [r for r in rows if "ages" in r.cause.text]
    assert {r.cause.text for r in rows} == {"people who are older than 45"}  # the age that is a risk stays


def test_part_or_all_of_an_organ_is_one_mention_of_the_organ():
    rows = rows_in(evidence_of(medquad("5_NIDDK_QA_0000009")), "surgical removal of part or all of the thyroid")
    assert rows and {r.cause.text for r in rows} == {"surgical removal of the thyroid"}


def test_an_association_of_the_topic_with_a_disorder_the_knowledge_base_knows_keeps_its_order():
    rows = rows_in(evidence_of(medquad("6_NINDS_QA_0000254")), "is associated with coronary heart disease")
    pairs = {(r.cause.text, r.effect.text) for r in rows}
    assert ("Sleep apnea", "high blood pressure") in pairs and ("Sleep apnea", "irregular heartbeat") in pairs
    assert not any(effect == "Sleep apnea" for _, effect in pairs)


def test_a_repeated_preposition_hung_on_the_verb_and_people_who_are_x_stand_for_x():
    rows = rows_in(evidence_of(medquad("6_NINDS_QA_0000254")), "in people who are overweight or obese")
    assert {"men", "overweight", "obese"} <= {r.cause.text for r in rows}
    assert all(r.effect.text == "Sleep apnea" and r.direction == "increases" for r in rows)


def test_makes_x_weak_and_more_likely_to_develop_y():
    rows = evidence_for_text("Lung Cancer\n\nSmoking makes your lungs weak and more likely to develop cancer.")
    assert any(r.cause.text == "Smoking" and r.direction == "increases" and "cancer" in r.effect.text.lower()
               for r in rows)


def test_coordinated_adjectives_share_their_noun_and_hyphenated_words_stay_whole():
    rows = evidence_of(medquad("4_MPlus_Health_Topics_QA_0000402"))
    causes = {r.cause.text for r in rows}
    assert {"Avoiding spicy foods", "Avoiding fatty foods", "Avoiding acidic foods"} <= causes
    assert "Wearing loose-fitting clothes" in causes and not any(c.endswith("fatty") for c in causes)


def test_what_a_text_only_points_at_is_not_claimed():
    rows = evidence_of(medquad("5_NIDDK_QA_0000203"))
    assert not rows_in(rows, "More information about how changes in diet affect")
    assert rows_in(evidence_for_text("Kidney Stones\n\nDiet changes can affect kidney stones."), "Diet changes")


def test_what_forms_is_the_whole_compound_before_formation():
    rows = rows_in(evidence_of(medquad("5_NIDDK_QA_0000203")), "Calcium oxalate stone formation may be caused")
    assert rows and {r.effect.text for r in rows} == {"Calcium oxalate stone"}


def test_it_opening_a_sentence_continues_about_the_disorder_the_sentence_before_was_about():
    rows = rows_in(evidence_of(medquad("8_NHLBI_QA_XML_0000051")), "It can damage the lungs")
    assert rows and {r.cause.text for r in rows} == {"PE"}
    assert {"lung damage", "death"} <= {r.effect.name for r in rows}


def test_cause_y_followed_by_z_keeps_y_as_the_object():
    rows = rows_in(evidence_of(medquad("5_NIDDK_QA_0000009")), "can cause hyperthyroidism followed by")
    assert any(r.effect.text == "hyperthyroidism" and "thyroiditis" in r.cause.text for r in rows)


def test_a_compound_before_a_role_noun_is_one_effect():
    rows = rows_in(evidence_of(medquad("5_NIDDK_QA_0000009")), "interleukin-2, a kidney cancer medication")
    treats = [r for r in rows if r.direction == "decreases" and r.cause.text == "interleukin-2"]
    assert treats and {r.effect.text for r in treats} == {"kidney cancer"}


def test_can_be_fatal_or_life_threatening_names_death():
    rows = rows_in(evidence_of(medquad("6_NINDS_QA_0000254")), "sleep apnea can be life threatening")
    assert rows and {(r.cause.text, r.effect.name) for r in rows} == {("sleep apnea", "death")}


def test_the_risk_increases_if_c_or_d_gives_two_conditions_for_the_topic():
    rows = rows_in(evidence_of(medquad("8_NHLBI_QA_XML_0000051")), "The risk increases if the travel time")
    assert {r.cause.text for r in rows} == {"the travel time is longer than 4 hours", "you have other DVT risk factors"}
    assert {(r.effect.name, r.direction) for r in rows} == {("deep vein thrombosis", "increases")}


def test_a_heart_attack_is_not_an_attack_of_the_heart():
    rows = evidence_for_text("Heart Disease\n\nA heart attack happens when a blood clot blocks an artery. "
                             "Smoke can trigger an asthma attack.")
    assert {r.effect.text for r in rows} >= {"heart attack", "asthma"}


def test_a_second_verb_misparsed_as_a_compound_of_its_object_is_repaired():
    rows = evidence_for_text("Restless Legs Syndrome\n\nLow iron can impair nerve function and trigger RLS.")
    pairs = {(r.cause.text, r.relation, r.effect.text) for r in rows}
    assert ("Low iron", "triggers", "RLS") in pairs and not any("trigger" in e for _, _, e in pairs)


def test_a_gerund_over_an_umbrella_governs_each_example():
    rows = rows_in(evidence_of(seed("001")), "Managing chronic illnesses such as diabetes")
    assert rows and all(r.cause.text.startswith("Managing ") for r in rows)
    assert {r.cause.text for r in rows} >= {"Managing diabetes"}


def test_what_a_risk_is_of_is_an_outcome_even_when_no_vocabulary_calls_it_a_disorder():
    # "clotting" is a process in the vocabularies; "the risk of clotting" makes it something one suffers
    rows = rows_in(evidence_of(medquad("8_NHLBI_QA_XML_0000051")), "birth control pills also can increase the risk")
    assert {"hormone therapy", "birth control pills"} <= causes(rows)
    assert all(r.effect.text == "clotting" and r.direction == "increases" for r in rows)


def test_a_bare_gerund_names_a_process_unless_it_shares_an_object():
    rows = evidence_for_text("Smoking raises the risk of bleeding.")
    assert {(r.cause.text, r.effect.text) for r in rows} == {("Smoking", "bleeding")}
    rows = rows_in(evidence_of(medquad("8_NHLBI_QA_XML_0000021")), "inhaling or being exposed to tobacco smoke")
    assert rows and "inhaling" not in causes(rows)


def test_people_with_one_disorder_who_develop_another_tie_the_two():
    rows = rows_in(evidence_of(medquad("5_NIDDK_QA_0000203")), "People with hyperparathyroidism sometimes develop")
    assert [(r.cause.text, r.effect.text) for r in rows] == [("hyperparathyroidism", "calcium stones")]


def test_examples_after_an_umbrella_effect_are_kinds_of_it_not_causes():
    rows = rows_in(evidence_of(seed("004")), "alleviating symptoms of numerous neurological conditions")
    assert "rls" not in causes(rows)
    assert all(r.direction == "decreases" for r in rows)


def test_a_side_effect_or_complication_of_x_is_caused_by_x():
    rows = rows_in(evidence_of(medquad("6_NINDS_QA_0000223")), "that are a common side effect of levodopa")
    assert ("levodopa", "involuntary movements", "increases") in {
        (r.cause.text, r.effect.text, r.direction) for r in rows}
    rows = evidence_for_text("Diabetes\n\nKidney failure is a serious complication of diabetes. Possible side "
                             "effects of insulin include weight gain.")
    assert {(r.cause.text, r.effect.text) for r in rows} >= {("diabetes", "Kidney failure"),
                                                            ("insulin", "weight gain")}


def test_the_standard_of_a_comparison_is_not_a_subject():
    rows = rows_in(evidence_of(medquad("8_NHLBI_QA_XML_0000021")), "twice as likely as men")
    assert {(r.cause.text, r.effect.name) for r in rows} == {("Women", "chronic bronchitis")}


def test_an_instruction_done_to_limit_something_lowers_it():
    rows = rows_in(evidence_of(medquad("8_NHLBI_QA_XML_0000021")), "Wash your hands often to limit")
    assert rows and all(r.direction == "decreases" for r in rows)
    assert any("bacteria" in r.effect.text for r in rows)


def test_a_repeated_preposition_hung_on_an_inner_phrase_starts_a_new_argument():
    rows = rows_in(evidence_of(medquad("5_NIDDK_QA_0000009")), "or by abnormalities of the pituitary gland")
    assert "abnormalities of the pituitary gland" in causes(rows)
    assert not any("iodine" in c and "abnormalities" in c for c in causes(rows))


def test_these_nouns_refer_to_what_a_copula_classified_as_those_nouns():
    # "Anticoagulants are the most common medicines for treating DVT. ... These medicines ... They also stop ..."
    rows = rows_in(evidence_of(medquad("8_NHLBI_QA_XML_0000051")), "They also stop existing blood clots")
    assert rows and causes(rows) == {"anticoagulants"}


def test_common_in_a_population_hung_on_the_copula():
    rows = rows_in(evidence_of(medquad("4_MPlus_Health_Topics_QA_0000669")), "but it is common in older women")
    assert [(r.cause.text, r.effect.name, r.direction) for r in rows] == [("older women", "osteoporosis", "increases")]


def test_kinds_named_in_a_lead_in_are_the_list_items_below_it():
    rows = evidence_of(medquad("5_NIDDK_QA_0000009"))
    items = {(r.cause.text.lower(), r.effect.name) for r in rows if r.rule == "list_item"}
    for kind in ("subacute thyroiditis", "postpartum thyroiditis", "silent thyroiditis"):
        assert {(kind, "hyperthyroidism"), (kind, "hypothyroidism")} <= items
    lead = rows_in(rows, "Several types of thyroiditis can cause")
    assert {(r.effect.name, r.rule) for r in lead} >= {("hyperthyroidism", "transitive:active")}


def test_who_is_treated_names_what_is_treated_when_it_says_with_what():
    rows = rows_in(evidence_of(medquad("5_NIDDK_QA_0000009")), "are treated with radiation")
    treated = {r.effect.text.lower() for r in rows if r.cause.text == "radiation" and r.direction == "decreases"}
    assert {"hodgkins disease", "lymphomas"} <= treated and not any("people" in t for t in treated)


def test_improving_a_good_thing_raises_it_and_a_partner_combined_with_the_cause_acts_too():
    rows = rows_in(evidence_of(medquad("8_NHLBI_QA_XML_0000021")), "combined with quitting smoking")
    assert {"quitting smoking", "avoiding secondhand smoke"} <= causes(rows)
    assert all(r.effect.text == "quality of life" and r.direction == "increases" for r in rows)


def test_a_phrase_before_a_noun_is_not_part_of_its_mention():
    # "... lifestyle modifications, and, in some cases, medications."
    rows = evidence_of(seed("004"))
    assert not any(r.cause.text.lower().startswith("in ") for r in rows)
    assert rows_in(rows, "RLS treatment typically comprises")


def test_a_gerund_left_holding_a_conjunction_is_the_first_conjunct():
    # "the disruption of nerve signaling and blood flow", parsed as one noun "flow"
    rows = rows_in(evidence_of(seed("004")), "the disruption of nerve signaling and blood flow")
    assert {"disruption of nerve signaling", "disruption of blood flow"} <= causes(rows)


def test_which_in_turn_takes_up_the_whole_clause_before_it():
    rows = rows_in(evidence_of(medquad("6_NINDS_QA_0000223")), "which in turn decreases the involuntary movements")
    pairs = {(r.cause.text, r.effect.text, r.direction) for r in rows}
    assert ("DBS", "involuntary movements", "decreases") in pairs
    assert not any("which" in e or (c == "levodopa" and d == "decreases") for c, e, d in pairs)


def test_what_is_related_to_a_thing_of_unknown_cause_is_a_candidate_cause():
    rows = rows_in(evidence_of(medquad("5_NIDDK_QA_0000009")), "Experts are not sure what causes subacute thyroiditis")
    pairs = {(r.cause.text, r.effect.name) for r in rows if not r.negated}
    assert {("viral infection", "subacute thyroiditis"), ("bacterial infection", "subacute thyroiditis")} <= pairs
    rows = evidence_for_text("Heart Disease\n\nExperts are not sure what causes myocarditis, but it may be linked "
                             "to a viral infection.")
    assert {(r.cause.text, r.effect.text) for r in rows} == {("viral infection", "myocarditis")}


def test_examples_hung_on_a_gerund_are_examples_of_its_object():
    rows = rows_in(evidence_of(medquad("5_NIDDK_QA_0000203")), "avoiding foods high in oxalate, such as spinach")
    assert {"avoiding spinach", "avoiding rhubarb"} <= causes(rows)
    assert "spinach" not in causes(rows) and all(r.direction == "decreases" for r in rows)


def test_a_phrasal_verb_is_its_own_cue():
    rows = rows_in(evidence_of(medquad("8_NHLBI_QA_XML_0000051")), "blood thinners can't break up blood clots")
    assert [(r.cause.text, r.direction, r.negated, r.hedge) for r in rows] == [
        ("blood thinners", "decreases", True, "can")]
    rows = evidence_for_text("Asthma\n\nStress can bring on an asthma attack. Nothing can break the habit.")
    assert {(r.cause.text, r.relation) for r in rows} == {("Stress", "triggers")}
