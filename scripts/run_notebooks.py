"""Executes notebooks headless with the streamlab (tslab) kernel and writes HTML reports.

Usage: python3 scripts/run_notebooks.py OUTDIR NOTEBOOK...
       python3 scripts/run_notebooks.py --convert OUTDIR NOTEBOOK...   (HTML only, no execution)
Exit status 1 naming the notebook and cell when a cell errors. Run by scripts/run-notebooks.js.
Reports use the template in scripts/nbconvert/streamlab, which embeds SVG outputs (charts) as
images so that nbconvert's HTML sanitizer cannot strip them.
"""
import base64
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError
from nbconvert import HTMLExporter


TEMPLATES = Path(__file__).resolve().parent / "nbconvert"


def html_exporter():
    """Jupyter's lab template with our data_svg block (see scripts/nbconvert/streamlab/index.html.j2)."""
    exporter = HTMLExporter(template_name="streamlab", extra_template_basedirs=[str(TEMPLATES)])
    exporter.register_filter("svg_base64", lambda svg: base64.b64encode(str(svg).encode("utf-8")).decode("ascii"))
    return exporter


def convert(outdir, names):
    for name in names:
        path = Path(name)
        nb = nbformat.read(path, as_version=4)
        body, _ = html_exporter().from_notebook_node(nb)
        (outdir / (path.stem + ".html")).write_text(body, encoding="utf-8")


def first_error(nb):
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return index, cell, f"{out.get('ename')}: {out.get('evalue')}"
    return None


def main():
    args = sys.argv[1:]
    if args[0] == "--convert":
        outdir = Path(args[1])
        outdir.mkdir(parents=True, exist_ok=True)
        convert(outdir, args[2:])
        return
    outdir = Path(args[0])
    outdir.mkdir(parents=True, exist_ok=True)
    failed = []
    for name in args[1:]:
        path = Path(name)
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, kernel_name="streamlab", timeout=180, resources={"metadata": {"path": str(path.parent)}})
        started = time.time()
        problem = None
        try:
            client.execute()
        except (CellExecutionError, CellTimeoutError) as e:
            problem = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        except Exception as e:  # kernel died, could not start...
            problem = f"{type(e).__name__}: {e}"
        elapsed = time.time() - started
        err = first_error(nb)
        body, _ = html_exporter().from_notebook_node(nb)
        report = outdir / (path.stem + ".html")
        report.write_text(body, encoding="utf-8")
        nbformat.write(nb, outdir / path.name)
        if err or problem:
            if err:
                index, cell, message = err
                src = cell.get("source", "").strip().splitlines()
                first = src[0] if src else ""
                print(f"FAIL {path}: cell {index + 1} ({first!r}) raised {message}", flush=True)
            else:
                print(f"FAIL {path}: {problem}", flush=True)
            failed.append(str(path))
        else:
            print(f"PASS {path} in {elapsed:.1f}s -> {report}", flush=True)
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(failed)}", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
