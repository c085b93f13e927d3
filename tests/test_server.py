"""`reglint server`, driven over stdio by a real LSP client (pytest-lsp): initialize,
didOpen -> publishDiagnostics, didChange, codeAction, and applying the edit it returns.

The server runs as `python -m reglint server` in a subprocess, as an editor starts it,
in a project folder whose pyproject.toml the server must read.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from _cli import reglint

HAZARD = (
    "import torch\n"
    "\n"
    "model = torch.nn.Linear(4, 2)\n"
    "opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)\n"
)
FIXED = HAZARD.replace("torch.optim.Adam(", "torch.optim.AdamW(").replace("weight_decay=1e-4", "weight_decay=1e-2")  # RL002 starts AdamW at 1e-2
CLEAN = "import torch\n\nmodel = torch.nn.Linear(4, 2)\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
# a non-ASCII comment before the hazard: LSP columns are UTF-16 code units, reglint's code points
WIDE = "import torch\nλ = 1  # 𝜆 is two UTF-16 units\nopt = torch.optim.Adam(p, weight_decay=1e-4)  # 𝜆 again\n"

def _project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        "[tool.reglint]\n"
        "extend-select = [\"RL100\"]\n"
        "per-file-ignores = { \"legacy_*.py\" = [\"RL002\"] }\n"
    )
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return _project(tmp_path_factory.mktemp("lsp") / "project")


def _uri(path: Path) -> str:
    return path.as_uri()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "reglint", "server"]))
async def client(lsp_client: LanguageClient, project: Path):
    params = types.InitializeParams(
        capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
        root_uri=_uri(project),
        workspace_folders=[types.WorkspaceFolder(uri=_uri(project), name="project")],
    )
    result = await lsp_client.initialize_session(params)
    lsp_client.initialize_result = result  # kept for the capability test
    yield
    await lsp_client.shutdown_session()


async def _open(client: LanguageClient, path: Path, text: str, version: int = 1):
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=_uri(path), language_id="python", version=version, text=text)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return list(client.diagnostics[_uri(path)])


def _offset(text: str, position: types.Position) -> int:
    """An LSP position (UTF-16 code units, as VS Code negotiates) as an index into `text`."""
    lines = text.splitlines(keepends=True) or [""]
    index = sum(len(line) for line in lines[:position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units = 0
    for count, char in enumerate(line):
        if units >= position.character:
            return index + count
        units += 2 if ord(char) > 0xFFFF else 1
    return index + len(line.rstrip("\r\n")) if units < position.character else index + len(line)


def apply_edits(text: str, edits) -> str:
    """What an editor does with a WorkspaceEdit's TextEdits for one document."""
    spans = sorted(((_offset(text, e.range.start), _offset(text, e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def _whole(text: str) -> types.Range:
    lines = text.split("\n")
    return types.Range(types.Position(0, 0), types.Position(len(lines) - 1, len(lines[-1])))


@pytest.mark.asyncio
async def test_initialize_announces_sync_and_code_actions(client: LanguageClient):
    capabilities = client.initialize_result.capabilities
    assert client.initialize_result.server_info.name == "reglint"
    sync = capabilities.text_document_sync
    assert sync.open_close and sync.change == types.TextDocumentSyncKind.Incremental and sync.save
    assert set(capabilities.code_action_provider.code_action_kinds) == {"quickfix", "source.fixAll.reglint"}


@pytest.mark.asyncio
async def test_open_change_code_action_and_apply(client: LanguageClient, project: Path):
    path = project / "train.py"
    diagnostics = await _open(client, path, HAZARD)
    assert [(d.code, d.source, d.severity) for d in diagnostics] == [("RL002", "reglint", types.DiagnosticSeverity.Warning)]
    (diagnostic,) = diagnostics
    column = HAZARD.splitlines()[3].index("weight_decay=1e-4")
    assert diagnostic.range == types.Range(types.Position(3, column), types.Position(3, column + len("weight_decay=1e-4")))
    assert "AdamW" in diagnostic.message
    assert diagnostic.code_description.href.endswith("#rl002")

    # didChange (incremental): make the hazard clean; the diagnostics go away
    sgd = "opt = torch.optim.SGD(model.parameters(), lr=0.1)"
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=_uri(path), version=2),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(3, 0), types.Position(3, len(HAZARD.splitlines()[3]))), text=sgd)]))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert list(client.diagnostics[_uri(path)]) == []

    # and back (a full-text change): the diagnostic returns
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=_uri(path), version=3),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=HAZARD)]))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    (diagnostic,) = client.diagnostics[_uri(path)]

    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=_uri(path)),
        range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic]),
    ))
    titles = [a.title for a in actions]
    fix = next(a for a in actions if a.kind == types.CodeActionKind.QuickFix and "unsafe fix" in a.title)
    assert fix.title.endswith("(RL002, unsafe fix)") and not fix.is_preferred
    assert fix.diagnostics[0].code == "RL002"
    assert apply_edits(HAZARD, fix.edit.changes[_uri(path)]) == FIXED
    noqa = next(a for a in actions if a.title == "Disable RL002 for this line (# noqa)")
    silenced = apply_edits(HAZARD, noqa.edit.changes[_uri(path)])
    assert silenced == HAZARD.replace("weight_decay=1e-4)\n", "weight_decay=1e-4)  # noqa: RL002\n")
    assert not any(a.kind == "source.fixAll.reglint" for a in actions), titles  # nothing --fix would apply

    # the edit applied in the editor: the server sees the new text and reports nothing
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=_uri(path), version=4),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=FIXED)]))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert list(client.diagnostics[_uri(path)]) == []

    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=_uri(path))))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert list(client.diagnostics[_uri(path)]) == []


@pytest.mark.asyncio
async def test_safe_fix_and_fix_all(client: LanguageClient, project: Path):
    """RL100 (enabled in the project's pyproject.toml) has a safe fix: preferred, and in fix-all."""
    path = project / "noqa.py"
    text = CLEAN.replace("lr=0.1)\n", "lr=0.1)  # noqa: RL002\n")
    diagnostics = await _open(client, path, text)
    assert [d.code for d in diagnostics] == ["RL100"]
    assert list(diagnostics[0].tags) == [types.DiagnosticTag.Unnecessary]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=_uri(path)), range=diagnostics[0].range,
        context=types.CodeActionContext(diagnostics=diagnostics)))
    fix = next(a for a in actions if a.title.endswith("(RL100, safe fix)"))
    assert fix.is_preferred
    assert apply_edits(text, fix.edit.changes[_uri(path)]) == CLEAN
    fix_all = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=_uri(path)), range=_whole(text),
        context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.SourceFixAll])))
    assert [a.kind for a in fix_all] == ["source.fixAll.reglint"]
    assert apply_edits(text, fix_all[0].edit.changes[_uri(path)]) == CLEAN


@pytest.mark.asyncio
async def test_save_and_the_projects_per_file_ignores(client: LanguageClient, project: Path):
    legacy = project / "legacy_train.py"
    assert list(await _open(client, legacy, HAZARD)) == []  # per-file-ignores from pyproject.toml
    path = project / "saved.py"
    assert [d.code for d in await _open(client, path, HAZARD)] == ["RL002"]
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=_uri(path))))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert [d.code for d in client.diagnostics[_uri(path)]] == ["RL002"]


@pytest.mark.asyncio
async def test_columns_are_utf16_units_and_syntax_errors_are_errors(client: LanguageClient, project: Path):
    path = project / "wide.py"
    (diagnostic,) = await _open(client, path, WIDE)
    line = WIDE.splitlines()[2]
    start = line.index("weight_decay")
    assert diagnostic.range.start == types.Position(2, start)  # ASCII before it: same in any unit
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=_uri(path)), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic])))
    noqa = next(a for a in actions if a.title.startswith("Disable RL002"))
    (edit,) = noqa.edit.changes[_uri(path)]
    assert edit.range.end == types.Position(2, len(line.encode("utf-16-le")) // 2)  # past the astral 𝜆
    assert apply_edits(WIDE, [edit]).splitlines()[2] == line + "  # noqa: RL002"

    broken = project / "broken.py"
    (error,) = await _open(client, broken, "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4\n")
    assert (error.code, error.severity) == ("RL000", types.DiagnosticSeverity.Error)
    assert error.message.startswith("SyntaxError")


def test_without_the_extra_server_says_what_to_install():
    """pygls missing: one line naming the extra, exit 2, no traceback."""
    code = "import sys; sys.modules['pygls'] = None; from reglint.cli import main; sys.exit(main(['server']))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "reglint: error: the language server needs the `lsp` extra (pygls is not installed): pip install 'reglint[lsp]'\n")
    code = code.replace("'pygls'", "'lsprotocol'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and "lsprotocol is not installed" in result.stderr and "Traceback" not in result.stderr


def test_version_and_checks_do_not_import_the_server_or_libcst():
    code = (
        "import sys, io, contextlib\n"
        "from reglint.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--version'])\n"
        "print(sorted(m for m in ('libcst', 'pygls', 'lsprotocol', 'reglint.server', 'reglint.sources.notebook') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout == "[]\n"


def test_server_usage_error_is_one_line():
    result = reglint("server", "--tcp", env={"NO_COLOR": "1"}, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", "reglint: error: unrecognized arguments: --tcp\n")


# -- training configs: the same source kinds as `reglint check` ----------------------------------

ADAM_YAML = "optimizer:\n  _target_: torch.optim.Adam\n  weight_decay: 1e-4\n"
ADAMW_YAML = "optimizer:\n  _target_: torch.optim.AdamW\n  weight_decay: 0.01\n"
ADAM_YAML_MESSAGE = "optimizer.weight_decay=0.0001 with `torch.optim.Adam` is a coupled L2 penalty, not weight decay"


async def _change(client: LanguageClient, path: Path, text: str, version: int):
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=_uri(path), version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return list(client.diagnostics[_uri(path)])


async def _actions(client: LanguageClient, path: Path, diagnostic):
    return await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=_uri(path)), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic])))


@pytest.mark.asyncio
async def test_a_yaml_config_is_checked_on_open_and_change_with_fix_and_noqa(client: LanguageClient, project: Path):
    """Before: only .py/.pyi documents were linted; a YAML buffer got nothing."""
    path = project / "conf" / "opt.yaml"
    (diagnostic,) = await _open(client, path, ADAM_YAML)
    message, note = diagnostic.message.split("\n")  # the note on its own line, as for Python
    assert (diagnostic.code, diagnostic.severity, message) == ("RL002", types.DiagnosticSeverity.Warning, ADAM_YAML_MESSAGE)
    assert note.startswith("the L2 gradient is rescaled by the adaptive step")
    assert diagnostic.range == types.Range(types.Position(2, 2), types.Position(2, 20))  # `weight_decay: 1e-4`
    actions = await _actions(client, path, diagnostic)
    fix = next(a for a in actions if a.title.endswith("(RL002, unsafe fix)"))
    assert apply_edits(ADAM_YAML, fix.edit.changes[_uri(path)]) == ADAMW_YAML
    noqa = next(a for a in actions if a.title == "Disable RL002 for this line (# noqa)")
    assert apply_edits(ADAM_YAML, noqa.edit.changes[_uri(path)]) == ADAM_YAML.replace("1e-4\n", "1e-4  # noqa: RL002\n")

    assert await _change(client, path, ADAMW_YAML, 2) == []
    # half-typed: RL000 (an error) at the parser's position, as `reglint check` reports it
    (error,) = await _change(client, path, ADAM_YAML.replace("torch.optim.Adam", "[torch.optim.Adam"), 3)
    assert (error.code, error.severity, error.range.start) == ("RL000", types.DiagnosticSeverity.Error, types.Position(2, 14))
    assert error.message.startswith("YAML error: ")


@pytest.mark.asyncio
async def test_json_and_prototxt_configs_and_look_alikes(client: LanguageClient, project: Path):
    deepspeed = '{"train_batch_size": 8,\n "optimizer": {"type": "Adagrad", "params": {"weight_decay": 1e-4}}}\n'
    path = project / "ds_config.json"
    (diagnostic,) = await _open(client, path, deepspeed)
    assert diagnostic.code == "RL002" and diagnostic.message.startswith("optimizer.params.weight_decay=0.0001 with `\"type\": \"Adagrad\"`")
    assert diagnostic.range == types.Range(types.Position(1, 45), types.Position(1, 65))  # `"weight_decay": 1e-4`
    actions = await _actions(client, path, diagnostic)
    assert not any("noqa" in a.title for a in actions)  # JSON has no comments: per-file-ignores

    solver = 'net: "train_val.prototxt"\nbase_lr: 0.001\ntype: "Adam"\nweight_decay: 0.0005\n'
    (diagnostic,) = await _open(client, project / "solver.prototxt", solver)
    assert diagnostic.code == "RL002" and diagnostic.range == types.Range(types.Position(3, 0), types.Position(3, 20))

    # look-alikes: AdamW with decay, a workflow YAML, a package.json: nothing
    assert await _open(client, project / "conf" / "adamw.yaml", ADAMW_YAML) == []
    assert await _open(client, project / "ci.yaml", "name: tests\non: [push]\njobs: {}\n") == []
    assert await _open(client, project / "package.json", '{"name": "x", "version": "1.0.0"}\n') == []


@pytest.mark.asyncio
async def test_saving_a_base_config_rechecks_the_open_configs(client: LanguageClient, project: Path):
    """A detectron2 child reads its `_BASE_` from disk: saving the base re-lints the open child."""
    folder = project / "detectron"
    folder.mkdir(exist_ok=True)
    base, child = folder / "Base-Solver.yaml", folder / "child.yaml"
    base.write_text('SOLVER:\n  OPTIMIZER: "SGD"\n')
    child_text = '_BASE_: "Base-Solver.yaml"\nSOLVER:\n  WEIGHT_DECAY: 0.0001\n'
    assert await _open(client, child, child_text) == []
    base.write_text('SOLVER:\n  OPTIMIZER: "ADAM"\n')
    assert await _open(client, base, base.read_text()) == []
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=_uri(base))))
    for _ in range(200):  # the base's own diagnostics, then the child's (both may come before a wait starts)
        if client.diagnostics[_uri(child)]:
            break
        await asyncio.sleep(0.05)
    (diagnostic,) = client.diagnostics[_uri(child)]
    assert diagnostic.code == "RL002" and diagnostic.range.start == types.Position(2, 2)
    assert diagnostic.message.startswith("SOLVER.WEIGHT_DECAY=0.0001 with `SOLVER.OPTIMIZER: ADAM` (from _BASE_)")
