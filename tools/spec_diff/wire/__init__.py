"""The wire and docs layers of the spec diff: what a spec change does to the HTTP contract, one module per
area (operations, parameters, bodies, schemas, security, docs), over the shared context.py."""
