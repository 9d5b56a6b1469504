"""The deploy check (scripts/deploy-check): every function of the built SAM template run as
Lambda runs it, under a local Runtime API (runtime_api), against moto with the template's own
tables, queues, buses and user pools (resources), each fed its sample events from events/
(samples), outside APIs stubbed (stubs). `python -m deploy_check --help`."""
