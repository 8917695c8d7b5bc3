"""Energy, reagents and water per kg of product for every bundled route on the HDD and EV feeds.

``python -m benchmarks.route_table [--output FILE]`` prints one markdown table (the README's
before/after route table is made by running it on two commits).
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from recyclopt.routes import compare_routes

FEEDS = ("HDD_VCM", "EV_traction")
COLUMNS = {
    "product_kg_per_kg_feed": "product kg/kg feed",
    "electricity_kWh_per_kg": "kWh el./kg",
    "heat_kWh_per_kg": "kWh heat/kg",
    "reagents_kg_per_kg": "reagents kg/kg",
    "water_kg_per_kg": "water kg/kg",
}


def route_table(feeds: tuple[str, ...] = FEEDS) -> pd.DataFrame:
    """One row per (feed, route): the per-kg-of-product figures of :func:`compare_routes`."""
    frames = []
    for feed in feeds:
        df = compare_routes(feed).reset_index()
        df["feed"] = feed
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    ok = out["status"] == "ok"
    out.loc[~ok, list(COLUMNS)] = float("nan")
    out["recovery NdPrDyTb"] = out[[f"recovery_{e}" for e in ("Nd", "Pr", "Dy", "Tb")]].min(
        axis=1, skipna=True)
    cols = ["feed", "route", "recovery NdPrDyTb", *COLUMNS]
    return out[cols].rename(columns=COLUMNS)


def to_markdown(df: pd.DataFrame) -> str:
    """The table as GitHub markdown, 3 significant figures, refused routes shown as '-'."""
    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    for _, row in df.iterrows():
        cells = [f"{v:.3g}" if isinstance(v, float) and v == v else
                 ("-" if isinstance(v, float) else str(v)) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print (or write) the markdown table."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.route_table")
    ap.add_argument("--output", help="write the table to this file as well")
    args = ap.parse_args(argv)
    text = to_markdown(route_table())
    print(text)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
