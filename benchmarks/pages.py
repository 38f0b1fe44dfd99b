"""List and detail pages at 100,000 cadres (DESIGN.md §5: p95 ≤ 150 ms).

Runs on whatever DATABASE_URL is set, in a fresh test database that it creates and
drops, with the monthly benchmark's data (S × 100,000 serving cadres over 120 villages
per township). Each page is requested 40 times through Django's test client (every
middleware, the templates, no network) as a district reviewer, who sees every
township, and as township staff, who see one.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_db \\
        .venv/bin/python benchmarks/pages.py [--scale 1.0]

Prints `<user>_<page>_p95_ms value` lines and, last, `worst_p95_ms`: the worst of the
list, detail and to-do pages (budget 150 ms), and `worst_wide_p95_ms`: the worst of the
dashboard and the team structure pages (budget 250 ms, DESIGN.md §5). The first request of
those and of the to-do page, which counts today's figures for the cache, is printed as
`<user>_<page>_first_ms`.
"""

import argparse
import statistics
import time

from monthly_export import CADRES, populate
from scratch import scratch_database

REQUESTS = 40


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    with scratch_database():
        run(int(CADRES * args.scale))


def run(cadres: int) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from cadres.models import Person, Township
    from cadres.scoping import township_access_set

    populate(cadres)
    # What autovacuum does within a minute of a bulk load: statistics, and the visibility
    # map that index-only scans need. Without it the first plans are a fresh load's.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    users = get_user_model()
    district = users.objects.create(username="bench_district", name="区级")
    district.groups.add(Group.objects.get(name="区级审核人"))
    staff = users.objects.create(username="bench_staff", name="乡镇")
    staff.groups.add(Group.objects.get(name="乡镇工作人员"))
    township = Township.objects.order_by("code").first()
    township_access_set(user=staff, townships=[township])
    person = Person.objects.filter(posts__village__township=township).order_by("pk").last()
    people = reverse("cadres:list")
    pages = {
        "list": people,
        "list_page_100": f"{people}?page=100",
        "list_name_search": f"{people}?q=张97",
        "list_id_search": f"{people}?q=22050219",
        "list_filtered_sorted": f"{people}?body=villagers_committee&sort=-birth",
        "list_sorted_by_term_end": f"{people}?sort=term_end&page=50",
        "list_sorted_by_village": f"{people}?sort=-village",
        "profile": reverse("cadres:detail", args=[person.pk]),
        # The to-do centre (the district's with every township's overdue counts).
        "home": reverse("home"),
        "dashboard": reverse("dashboard"),
        "structure": reverse("cadres:structure"),
        "structure_township": f"{reverse('cadres:structure')}?township={township.pk}",
    }
    wide = {"dashboard", "structure", "structure_township"}
    worst = worst_wide = 0.0
    print(f"cadres {cadres}", flush=True)
    for label, user in (("district", district), ("staff", staff)):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        for name, url in pages.items():
            timings = []
            for _attempt in range(REQUESTS):
                start = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            p95 = statistics.quantiles(timings, n=20)[-1]
            if name in wide or name == "home":
                # The first request counts today's figures (the team structure; the home
                # page's eligibility review), which the next ones read from the cache
                # (FIGURES_CACHE_SECONDS): what the first user of a few minutes waits.
                print(f"{label}_{name}_first_ms {timings[0]:.0f}", flush=True)
            if name in wide:
                worst_wide = max(worst_wide, p95)
            else:
                worst = max(worst, p95)
            print(f"{label}_{name}_p95_ms {p95:.0f}", flush=True)
    print(f"worst_p95_ms {worst:.0f}")
    print(f"worst_wide_p95_ms {worst_wide:.0f}")


if __name__ == "__main__":
    main()
