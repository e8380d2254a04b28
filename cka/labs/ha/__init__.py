"""The live HA lab (`make lab-ha`): common, harness, scenario, report; `python -m cka.labs.ha`."""
