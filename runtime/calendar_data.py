"""Generate ``runtime/data/cn_workdays.json`` from the maintained ``chinesecalendar`` package.

The runtime never imports chinesecalendar: it reads the generated file, which keeps only the
deviations from Monday-to-Friday (weekdays off, weekend days on) per year. Regenerate after
upgrading chinesecalendar (each December, when the State Council publishes the next year):

    python -m runtime.calendar_data
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "cn_workdays.json"


def generate() -> dict:
    import chinese_calendar
    from chinese_calendar.constants import holidays

    years = sorted({d.year for d in holidays})
    off, on = [], []
    day, last = date(years[0], 1, 1), date(years[-1], 12, 31)
    while day <= last:
        working = chinese_calendar.is_workday(day)
        if working and day.weekday() >= 5:
            on.append(day.isoformat())
        elif not working and day.weekday() < 5:
            off.append(day.isoformat())
        day += timedelta(days=1)
    version = getattr(chinese_calendar, "__version__", "?")
    return {"source": f"chinesecalendar {version}", "first_year": years[0], "last_year": years[-1],
            "weekdays_off": off, "weekend_workdays": on}


def main() -> None:
    DATA_FILE.parent.mkdir(exist_ok=True)
    DATA_FILE.write_text(json.dumps(generate(), indent=1) + "\n")
    print(f"wrote {DATA_FILE}")


if __name__ == "__main__":
    main()
