"""JSON Schemas of the input formats, shipped with the package for editors.

``case.schema.json`` and ``scenarios.schema.json`` are generated from the declarations
(:func:`recyclopt.optimize.case_schema.case_json_schema`,
:func:`recyclopt.scenarios.schema.scenario_json_schema`) by ``recyclopt case schema --write``;
a test asserts the shipped files equal the generated ones.
"""
