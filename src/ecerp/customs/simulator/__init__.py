"""The customs single window simulator (`ecerp customs-sim`): another organisation on the same transport.

- engine.py: what the single window does with each message and the receipts it answers with;
- rules.py: risk settings, timing, receipt codes, the Knowledge interface;
- knowledge.py: ECERP's reference data and filings read (read-only) as customs' knowledge;
- reading.py: how declarations are read back into dicts;
- store.py: its own SQLite file under var/customs-sim/ (never ECERP's tables);
- runner.py: the loop against a transport.
"""
