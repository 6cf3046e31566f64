"""Open311 GeoReport v2 at /open311/v2/ (docs/open311.md): the world's civic clients read the county's
public cases and raise new ones, which become ordinary cases on channel `open311`.

- formats.py: JSON and XML exactly as the specification writes them, and its error array;
- services.py: the jurisdiction, the services (first-level categories), the public requests;
- submit.py: a new request (POST), an ordinary case on channel open311;
- keys.py, models.py: the clients' API keys (hashed; issued and revoked by the admin), their submissions;
- views.py, urls.py: the routes; admin.py and commands.py: the admin's page and `minqing open311 key …`.

At the layer of api and web: it uses intake, publicity and the ledger below it and is used by no app."""
