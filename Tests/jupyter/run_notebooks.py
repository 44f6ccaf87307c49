"""Runs every notebook in a folder with nbclient and the luagrad kernel. A notebook with a script
twin in the examples (its name minus the `.ipynb`, as Tests/examples/NAME.out, or its chapter's
example, e.g. d2l-2.5-autograd -> autograd.out) must stream exactly the script's output.
Usage: run_notebooks.py NOTEBOOK_FOLDER EXPECTED_FOLDER"""
import pathlib
import sys

import nbclient
import nbformat

# Notebooks whose script twin has another name.
TWINS = {"d2l-2.5-autograd": "autograd"}


def streamed(notebook):
    return "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.outputs if output.output_type == "stream")


def main(folder, expected_folder):
    failed = False
    for path in sorted(pathlib.Path(folder).glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        try:
            nbclient.NotebookClient(notebook, timeout=60, kernel_name="luagrad").execute()
        except nbclient.exceptions.CellExecutionError as error:
            print(f"FAIL {path}: {error}")
            failed = True
            continue
        expected = pathlib.Path(expected_folder) / (TWINS.get(path.stem, path.stem) + ".out")
        if expected.exists() and streamed(notebook) != expected.read_text():
            print(f"FAIL {path}: its output differs from {expected}:\n{streamed(notebook)}")
            failed = True
            continue
        print(f"ok   {path}" + (f" (output as {expected})" if expected.exists() else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
