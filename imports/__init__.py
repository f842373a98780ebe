"""The one import engine: districts' Excel and CSV files into the portal, previewed, all-or-nothing.

`kinds.KINDS` names the four kinds; `engine.import_plan` reads and checks a file; `services`
keeps the ImportBatch record and commits. The `import_data` command and the web pages call these.
"""
