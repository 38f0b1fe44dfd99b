"""The read-only API's list endpoints at 100,000 cadres (DESIGN.md §5: p95 ≤ 150 ms, the
structure figures ≤ 250 ms).

Runs on whatever DATABASE_URL is set, in a fresh test database that it creates and drops,
with the monthly benchmark's data (S × 100,000 serving cadres over 120 villages per
township). Each endpoint is requested 40 times through Django's test client (every
middleware, no network) with the token of a client of every township and of a client of
one township. The throttle is lifted for the run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_db \\
        .venv/bin/python benchmarks/api.py [--scale 1.0]

Prints `<client>_<endpoint>_p95_ms value` lines and, last, `worst_p95_ms` (the lists,
budget 150 ms) and `worst_wide_p95_ms` (the structure figures, 250 ms).
"""

import argparse
import os
import statistics
import time

from monthly_export import CADRES, populate
from scratch import scratch_database

REQUESTS = 40


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    os.environ.setdefault("API_THROTTLE_RATE", "1000000/second")
    with scratch_database():
        run(int(CADRES * args.scale))


def run(cadres: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from cadres.models import Person, Township
    from dongchang.api.models import Scope
    from dongchang.api.services import api_client_create, api_token_issue
    from dongchang.warnings import lights_refresh

    populate(cadres)
    lights_refresh()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    admin = get_user_model().objects.create(username="bench_admin", is_superuser=True)
    township = Township.objects.order_by("code").first()
    tokens = {}
    for label, townships in (("all", []), ("township", [township])):
        client = api_client_create(
            actor=admin,
            name=f"bench-{label}",
            owner=admin,
            townships=townships,
            all_townships=not townships,
            scopes=Scope.values,
        )
        tokens[label] = api_token_issue(actor=admin, client=client)[1]
    person = Person.objects.filter(posts__village__township=township).order_by("pk").last()
    endpoints = {
        "cadres": reverse("api:cadres"),
        "cadres_200": f"{reverse('api:cadres')}?page_size=200",
        "cadres_serving_in_township": f"{reverse('api:cadres')}?township={township.code}"
        "&status=serving&body=party_branch",
        "cadre": reverse("api:cadre", args=[person.pk]),
        "lookup": f"{reverse('api:cadre_lookup')}?id_number={person.id_number}",
        "changes": f"{reverse('api:changes')}?page_size=500",
        "hits": reverse("api:hits"),
        "cases": reverse("api:cases"),
        "warning_lights": f"{reverse('api:warning_lights')}?page_size=200",
        "structure": reverse("api:structure"),
    }
    wide = {"structure"}
    worst = worst_wide = 0.0
    print(f"cadres {cadres}", flush=True)
    http = Client(HTTP_HOST="localhost")
    for label, token in tokens.items():
        for name, url in endpoints.items():
            timings = []
            for _attempt in range(REQUESTS):
                start = time.perf_counter()
                response = http.get(url, headers={"Authorization": f"Bearer {token}"})
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            p95 = statistics.quantiles(timings, n=20)[-1]
            if name in wide:
                worst_wide = max(worst_wide, p95)
            else:
                worst = max(worst, p95)
            print(f"{label}_{name}_p95_ms {p95:.0f}", flush=True)
    print(f"worst_p95_ms {worst:.0f}")
    print(f"worst_wide_p95_ms {worst_wide:.0f}")


if __name__ == "__main__":
    main()
