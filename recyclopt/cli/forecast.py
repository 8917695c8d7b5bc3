"""``recyclopt forecast``: end-of-life feed forecasts from stocks and flows.

Prints, per feedstock and year, the collected units and the tonnes of magnet in them; can write
the forecast in the format a case reads as ``availability_table`` and plot it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``forecast`` sub-command to a ``recyclopt`` sub-parser set."""
    f = subparsers.add_parser(
        "forecast", help="end-of-life feed forecast from sales histories and lifetimes",
        description="Cohort (dynamic MFA) forecast of end-of-life units and magnet tonnage per "
                    "feedstock from the bundled sales, lifetime and magnet-content tables "
                    "(recyclopt/data/feed_*.csv).")
    f.add_argument("--years", default="2027-2036",
                   help="first-last forecast year, e.g. 2027-2036 (default)")
    f.add_argument("--engine", choices=["auto", "flodym", "numpy"], default="auto",
                   help="cohort model: flodym's InflowDrivenDSM or the numpy convolution "
                        "(auto: flodym when installed)")
    f.add_argument("--data-dir", help="folder with feed_products.csv, feed_sales.csv and "
                   "feed_trajectories.csv to use instead of the bundled tables")
    f.add_argument("--by-product", action="store_true", help="also print every product's flows")
    f.add_argument("--sources", action="store_true", help="also print the inputs' sources")
    f.add_argument("--write-availability", metavar="CSV",
                   help="write the forecast as an availability table (the format of "
                        "recyclopt/data/taiwan_availability.csv)")
    f.add_argument("--plot", metavar="PNG", help="plot collected magnet per feedstock (PNG)")
    f.add_argument("--force", action="store_true", help="overwrite existing output files")
    f.set_defaults(func=run)
    return f


def parse_years(text: str) -> np.ndarray:
    """``"2027-2036"`` -> array of the years 2027..2036 (a single year is allowed)."""
    first, _, last = str(text).partition("-")
    try:
        a, b = int(first), int(last or first)
    except ValueError:
        raise InputError(f"--years {text!r}: expected FIRST-LAST, e.g. 2027-2036",
                         field="--years") from None
    if not 1900 <= a <= b <= 2200:
        raise InputError(f"--years {text!r}: allowed 1900 <= first <= last <= 2200",
                         field="--years")
    return np.arange(a, b + 1)


def _check_outputs(args: argparse.Namespace) -> None:
    for opt, suffix in (("write_availability", ".csv"), ("plot", ".png")):
        val = getattr(args, opt)
        if not val:
            continue
        flag = "--" + opt.replace("_", "-")
        if Path(val).suffix.lower() != suffix:
            raise InputError(f"{flag} {val!r}: allowed format {suffix}", field=flag)
        if Path(val).exists() and not args.force:
            raise InputError(f"output file {val!r} already exists; use --force to overwrite it",
                             field=flag)


def plot_forecast(summary: pd.DataFrame, path: str | Path) -> None:
    """Stacked area of collected magnet (t/yr) per feedstock, written as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = summary["collected_magnet_t"].unstack(0).fillna(0.0)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.stackplot(t.index, t.T.to_numpy(), labels=t.columns)
    ax.set_xlabel("year")
    ax.set_ylabel("collected NdFeB magnet (t/yr)")
    ax.set_title("End-of-life magnet collected per feedstock (stock-and-flow forecast)")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    """Handle ``recyclopt forecast``; returns the exit code."""
    from ..feed import (
        availability_table,
        feedstock_summary,
        forecast,
        input_sources,
        load_products,
        mean_magnet_kg_per_unit,
        write_availability,
    )

    years = parse_years(args.years)
    _check_outputs(args)
    data_dir = Path(args.data_dir) if args.data_dir else None
    if data_dir is not None and not data_dir.is_dir():
        raise InputError(f"--data-dir {args.data_dir!r} is not a folder", field="--data-dir")
    products = load_products(data_dir)
    fc = forecast(years, products, engine=args.engine)
    summary = feedstock_summary(fc)
    with pd.option_context("display.width", 200, "display.max_columns", 40,
                           "display.float_format", "{:,.6g}".format):
        print(f"End-of-life feed forecast {years[0]}-{years[-1]} (cohort model: "
              f"{args.engine}; inputs recyclopt/data/feed_*.csv)")
        print("\nCollected units per year (after exports and collection)")
        print(summary["collected_units"].unstack(0).round(0).to_string())
        print("\nCollected magnet, t per year")
        print(summary["collected_magnet_t"].unstack(0).round(3).to_string())
        total = summary["collected_magnet_t"].groupby(level="year").sum()
        print(f"\nTotal collected magnet: {total.min():,.1f}-{total.max():,.1f} t/yr")
        print("\nMean magnet per collected unit over the years (kg/unit)")
        print(mean_magnet_kg_per_unit(fc).dropna().to_string())
        if args.by_product:
            print("\nPer product")
            print(fc.set_index(["product", "year"]).drop(columns="feedstock").to_string())
        if args.sources:
            print("\nInputs and their sources (table, product, input, confidence, source)")
            for r in input_sources(data_dir).itertuples():
                print(f"{r.table:22s} {r.product:17s} {str(r.input)[:30]:30s} "
                      f"{r.confidence:10s} {r.source}")
    if args.write_availability:
        write_availability(args.write_availability, availability_table(fc, products),
                           force=args.force)
        print(f"\nwrote {args.write_availability}")
    if args.plot:
        plot_forecast(summary, args.plot)
        print(f"wrote {args.plot}")
    return 0
