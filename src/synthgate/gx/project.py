"""A Great Expectations file project for synthgate suites: suites, checkpoints, Data Docs.

One pandas data source (``synthgate``) with one DataFrame asset (``data``) and a batch of the
whole DataFrame; per synthgate suite, a GX suite, a validation definition and a checkpoint of
the same name that stores the validation result and updates the Data Docs. Loading a suite
first imports the synthgate classes and then checks that every expectation of its JSON file
came back: GX drops expectations of unknown types with a logged error, and an emptied suite
would pass.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations.checkpoint import UpdateDataDocsAction
from great_expectations.data_context import FileDataContext

from synthgate.adapter import Spec
from synthgate.errors import SynthgateError
from synthgate.gx.expectations import expectation

SOURCE, ASSET, BATCH = "synthgate", "data", "whole dataframe"
RESULT_FORMAT = {"result_format": "SUMMARY"}
"""SUMMARY keeps each result's details (examples, interval, comparison); BASIC drops them."""


def context(directory: str | Path) -> FileDataContext:
    """The GX file project in ``directory`` (its ``great_expectations.yml``), created when missing."""
    directory = Path(directory)
    if not (directory / "great_expectations.yml").is_file():
        if directory.exists() and any(directory.iterdir()) and directory.name != "gx":
            raise SynthgateError(
                f"{directory}: not a Great Expectations project (no great_expectations.yml)"
            )
        created = gx.get_context(mode="file", project_root_dir=directory.parent)
        if Path(created.root_directory).resolve() != directory.resolve():
            Path(created.root_directory).rename(directory)
    ctx = gx.get_context(mode="file", context_root_dir=directory)
    assert isinstance(ctx, FileDataContext)
    ctx.variables.progress_bars = {"globally": False, "metric_calculations": False}  # type: ignore[assignment]
    return ctx


def suite(name: str, specs: list[Spec]) -> gx.ExpectationSuite:
    """A GX suite of synthgate specs, with ids that stay the same from one export to the next."""
    out = gx.ExpectationSuite(name=name, meta={"synthgate_suite": name})
    for spec in specs:
        item = expectation(spec)
        item.id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"synthgate:{name}:{spec.id}"))
        out.expectations.append(item)
    return out


def save(ctx: FileDataContext, gx_suite: gx.ExpectationSuite) -> gx.Checkpoint:
    """Store the suite with its validation definition and checkpoint (replacing older ones)."""
    source = ctx.data_sources.all().get(SOURCE) or ctx.data_sources.add_pandas(SOURCE)
    asset: Any = next((a for a in source.assets if a.name == ASSET), None)
    asset = asset or source.add_dataframe_asset(ASSET)
    batch = next((b for b in asset.batch_definitions if b.name == BATCH), None)
    batch = batch or asset.add_batch_definition_whole_dataframe(BATCH)
    name = gx_suite.name
    if name not in {item.name for item in ctx.suites.all()}:
        ctx.suites.add(gx.ExpectationSuite(name=name))  # adding would give new expectation ids
    gx_suite.id = ctx.suites.get(name).id
    stored = ctx.suites.add_or_update(gx_suite)
    if name in {item.name for item in ctx.checkpoints.all()}:
        return ctx.checkpoints.get(name)
    definition = ctx.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch, suite=stored)
    )
    return ctx.checkpoints.add(
        gx.Checkpoint(
            name=name,
            validation_definitions=[definition],
            actions=[UpdateDataDocsAction(name="update_data_docs")],
            result_format=RESULT_FORMAT,
        )
    )


def load_suite(ctx: FileDataContext, name: str) -> gx.ExpectationSuite:
    """A stored suite, refused when it holds fewer expectations than its JSON file."""
    loaded = ctx.suites.get(name)
    check(loaded, Path(ctx.root_directory) / "expectations" / f"{name}.json")
    return loaded


def check(loaded: gx.ExpectationSuite, path: Path) -> None:
    """SynthgateError when GX dropped expectations of ``path`` while loading it."""
    if not path.is_file():
        return
    stored = json.loads(path.read_text("utf-8")).get("expectations", [])
    if len(loaded.expectations) < len(stored):
        known = {e.expectation_type for e in loaded.expectations}
        lost = sorted({e.get("type", "?") for e in stored} - known)
        raise SynthgateError(
            f"{path}: GX loaded {len(loaded.expectations)} of its {len(stored)} expectations "
            f"(unknown types: {', '.join(lost) or '?'}); import the module defining them first"
        )


def run(ctx: FileDataContext, name: str, frame: Any) -> tuple[Any, Path | None]:
    """Run the checkpoint ``name`` on a DataFrame: its result and its Data Docs page."""
    checkpoint = ctx.checkpoints.get(name)
    for definition in checkpoint.validation_definitions:
        check(
            definition.suite,
            Path(ctx.root_directory) / "expectations" / f"{definition.suite.name}.json",
        )
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    identifier = next(iter(result.run_results))
    urls = ctx.get_docs_sites_urls(resource_identifier=identifier, only_if_exists=True)
    page = next((u["site_url"] for u in urls if u.get("site_url")), None)
    return result, Path(page.removeprefix("file://")) if page else None
