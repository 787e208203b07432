"""Alerts: what is worth telling a person (a download failed for good, a site down or back, a job stuck), said
once per event kind and subject per period, sent without ever blocking a request or a download."""
