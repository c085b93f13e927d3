"""`reglint server`: a language server over stdio (the optional extra `reglint[lsp]`).

What it does, on Python documents (`.py`, `.pyi`) and training configs (`.yaml`, `.yml`,
`.json`, `.prototxt`, `.jsonnet`, when `config-files` matches them), each through the
source kind `reglint check` reads it with (`reglint.sources`):

- publishes diagnostics when a document is opened, changed and saved, and clears
  them when it is closed; RL000 (the buffer does not parse) is an error, rule
  diagnostics are warnings, unneeded code (RL100's unused directives) is tagged unnecessary;
  a config's diagnostics sit on its keys and values, as in `reglint check`;
- offers code actions: each diagnostic's fix as a quick fix whose title says how safe
  it is (`… (RL002, unsafe fix)`; safe fixes are marked preferred), a `# noqa` for
  the line (where the format has comments: not in JSON), and `source.fixAll.reglint`,
  which applies what `reglint check --fix` would (unsafe fixes too when the
  configuration sets `unsafe-fixes = true`);
- reads the configuration as the command line does: the nearest `pyproject.toml`
  with `[tool.reglint]` above the document (per-file ignores and `exclude`
  included: an excluded document gets no diagnostics), read again when it changes.

Positions: reglint counts columns in code points; the server converts them to the
encoding negotiated with the client (UTF-16 unless the client offers UTF-8 or
UTF-32), splitting lines exactly as LSP does (`\\n`, `\\r\\n`, `\\r`).

Notebook documents are not handled here (use `reglint check` on `.ipynb` files).
pygls and lsprotocol are imported at module level on purpose: the CLI imports this
module only for `reglint server`, and turns their absence into a one-line message
naming the extra to install.
"""

from __future__ import annotations

import io
import logging
import os
import re
import tokenize
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from reglint import __version__, project
from reglint.configs.formats import CONFIG_SUFFIXES  # a table only: no reader is imported

SOURCE = "reglint"
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.reglint"
LINE_BREAK = re.compile(r"\r\n|\r|\n")
PYTHON_SUFFIXES = (".py", ".pyi")
CHECKED_SUFFIXES = PYTHON_SUFFIXES + CONFIG_SUFFIXES

log = logging.getLogger("reglint.server")


# -- positions ---------------------------------------------------------------------------

def _units(text: str, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class Lines:
    """A document's lines, for turning reglint positions into LSP positions."""

    def __init__(self, text: str, encoding: str):
        self.lines = LINE_BREAK.split(text)
        self.encoding = encoding

    def position(self, line: int, column: int) -> types.Position:
        """reglint's 1-based line and code-point column -> an LSP position."""
        index = min(max(line, 1), len(self.lines)) - 1
        if line > len(self.lines):  # past the end: the end of the document
            return types.Position(index, _units(self.lines[index], self.encoding))
        text = self.lines[index]
        return types.Position(index, _units(text[:max(column, 1) - 1], self.encoding))

    def range(self, start, end) -> types.Range:
        return types.Range(self.position(start.line, start.column), self.position(end.line, end.column))

    def end(self) -> types.Position:
        return types.Position(len(self.lines) - 1, _units(self.lines[-1], self.encoding))


def _before(a: types.Position, b: types.Position) -> bool:
    return (a.line, a.character) < (b.line, b.character)


def _touches(a: types.Range, b: types.Range) -> bool:
    return not _before(a.end, b.start) and not _before(b.end, a.start)


# -- the checks ------------------------------------------------------------------------

def _to_bytes(text: str, path: str = "") -> Tuple[bytes, str]:
    """The buffer as the bytes of a file on disk: a Python file in the encoding its coding
    cookie names, a config in UTF-8 (its kind reads nothing else)."""
    data = text.encode("utf-8", "surrogatepass")
    if path.endswith(CONFIG_SUFFIXES):
        return data, "utf-8"
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return data, "utf-8"
    if encoding in ("utf-8", "utf-8-sig"):
        return data, "utf-8"
    try:
        return text.encode(encoding), encoding
    except (UnicodeEncodeError, LookupError):
        return data, "utf-8"


class ReglintServer(LanguageServer):
    def __init__(self):
        super().__init__(SOURCE, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.plans: Dict[Tuple[Optional[str], Optional[int]], object] = {}

    # settings --------------------------------------------------------------------------
    def plan_for(self, path: str):
        """(Plan, None) for the document at `path`, or (None, the config error's message)."""
        from reglint.config import ConfigError, Settings, find_pyproject, settings_from_table
        from reglint.engine import Plan

        try:
            found = find_pyproject(Path(path))
        except ConfigError as error:
            return None, str(error)
        if found is None:
            key = (None, None)
        else:
            config, _ = found
            try:
                key = (str(config), config.stat().st_mtime_ns)
            except OSError:
                key = (str(config), None)
        if key not in self.plans:
            try:
                if found is None:
                    root = self.workspace.root_path or os.path.dirname(path) or os.getcwd()
                    settings = Settings(root=root)
                else:
                    settings = settings_from_table(found[1], str(found[0].parent), str(found[0]))
                self.plans[key] = Plan.build(settings)
            except ConfigError as error:
                return None, str(error)
        return self.plans[key], None

    # diagnostics -----------------------------------------------------------------------
    def check(self, uri: str, fix: bool = False):
        """(document, its text, FileResult or None, config error or None)."""
        from reglint.pipeline import FileResult
        from reglint.runner import check_bytes
        from reglint.files import is_excluded

        document = self.workspace.get_text_document(uri)
        text = document.source
        path = _path(uri)
        plan, problem = self.plan_for(path)
        if plan is None:
            return document, text, None, problem
        if is_excluded(path, plan.settings):
            return document, text, FileResult(path), None
        data, encoding = _to_bytes(text, path)
        project.forget()  # the buffer's imports as the disk holds them now
        result = check_bytes(path, data, plan, fix=fix, unsafe=plan.settings.unsafe_fixes)
        if result.fixed is not None:
            result.source = result.fixed.decode(encoding)
        return document, text, result, None

    def lint(self, uri: str) -> None:
        if not _is_checked(uri):
            return
        document, text, result, problem = self.check(uri)
        lines = Lines(text, self.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        if result is None:
            diagnostics = [types.Diagnostic(
                range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                message=f"reglint: {problem}", severity=types.DiagnosticSeverity.Error, source=SOURCE)]
        else:
            diagnostics = [lsp_diagnostic(d, lines) for d in result.diagnostics]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=document.version, diagnostics=diagnostics))

    # code actions ----------------------------------------------------------------------
    def code_actions(self, params: types.CodeActionParams) -> List[types.CodeAction]:
        uri = params.text_document.uri
        if not _is_checked(uri):
            return []
        only = params.context.only
        wants_quickfix = only is None or any(types.CodeActionKind.QuickFix.value.startswith(k) for k in only)
        wants_fix_all = only is None or any(FIX_ALL.startswith(k) for k in only)
        document, text, result, _ = self.check(uri)
        if result is None:
            return []
        encoding = self.workspace.position_encoding or types.PositionEncodingKind.Utf16
        lines = Lines(text, encoding)
        actions: List[types.CodeAction] = []
        if wants_quickfix:
            for diagnostic in result.diagnostics:
                lsp = lsp_diagnostic(diagnostic, lines)
                if not _touches(lsp.range, params.range):
                    continue
                fix = diagnostic.fix
                if fix is not None and fix.edits:
                    edits = [types.TextEdit(lines.range(e.start, e.end), e.content) for e in fix.edits]
                    actions.append(types.CodeAction(
                        title=f"{fix.message} ({diagnostic.code}, {fix.applicability.value} fix)",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[lsp],
                        is_preferred=fix.applicability.value == "safe",
                        edit=types.WorkspaceEdit(changes={uri: edits}),
                    ))
                noqa = _noqa_edit(_path(uri), text, diagnostic, lines)
                if noqa is not None:
                    actions.append(types.CodeAction(
                        title=f"Disable {diagnostic.code} for this line (# noqa)",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[lsp],
                        edit=types.WorkspaceEdit(changes={uri: [noqa]}),
                    ))
        if wants_fix_all and any(d.fix is not None and d.fix.edits for d in result.diagnostics):
            _, _, fixed, _ = self.check(uri, fix=True)
            if fixed is not None and fixed.fixed is not None:
                whole = types.Range(types.Position(0, 0), lines.end())
                actions.append(types.CodeAction(
                    title="reglint: fix all (as `reglint check --fix`)",
                    kind=FIX_ALL,
                    edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(whole, fixed.source)]}),
                ))
        return actions


def _path(uri: str) -> str:
    path = to_fs_path(uri)
    if path:
        return path
    return uri.rsplit("/", 1)[-1] or "untitled.py"  # untitled buffers: checked with the defaults


def _is_checked(uri: str) -> bool:
    """A Python document or a config (which configs are read: `config-files`, as in `check`)."""
    return uri.split("?", 1)[0].endswith(CHECKED_SUFFIXES)


def lsp_diagnostic(diagnostic, lines: Lines) -> types.Diagnostic:
    from reglint.diagnostic import PARSE_ERROR_CODE, UNNECESSARY
    from reglint.rule import all_rules

    rule = all_rules().get(diagnostic.code)
    tags = [types.DiagnosticTag.Unnecessary] if dict(diagnostic.extra).get(UNNECESSARY) else None
    return types.Diagnostic(
        range=lines.range(diagnostic.start, diagnostic.end),
        message=f"{diagnostic.message}\n{diagnostic.note}" if diagnostic.note else diagnostic.message,
        severity=types.DiagnosticSeverity.Error if diagnostic.code == PARSE_ERROR_CODE else types.DiagnosticSeverity.Warning,
        code=diagnostic.code,
        code_description=types.CodeDescription(href=rule.url) if rule is not None else None,
        source=SOURCE,
        tags=tags,
        related_information=[_related(r) for r in diagnostic.related] or None,
    )


def _related(related) -> types.DiagnosticRelatedInformation:
    """A part of the hazard in another file (a regularizer built in another module)."""
    from pygls.uris import from_fs_path

    position = types.Position(line=related.start.line - 1, character=related.start.column - 1)
    return types.DiagnosticRelatedInformation(
        location=types.Location(uri=from_fs_path(os.path.abspath(related.path)), range=types.Range(start=position, end=position)),
        message=related.message)


def _noqa_edit(path: str, text: str, diagnostic, lines: Lines) -> Optional[types.TextEdit]:
    """The line with a `# noqa` for `diagnostic`, as `reglint check --add-noqa` writes it
    through the document's source kind (none in a JSON config, which has no comments)."""
    from reglint.diagnostic import PARSE_ERROR_CODE
    from reglint.sources import kind_for

    if diagnostic.code == PARSE_ERROR_CODE:
        return None
    data, encoding = _to_bytes(text, path)
    new, changed, _ = kind_for(path).add_noqa(data, [diagnostic])
    if not changed:
        return None
    new_text = new.decode(encoding, "surrogatepass")
    number = diagnostic.start.line
    new_line = LINE_BREAK.split(new_text)[number - 1]
    old_line = lines.lines[number - 1]
    return types.TextEdit(
        types.Range(types.Position(number - 1, 0), types.Position(number - 1, _units(old_line, lines.encoding))),
        new_line,
    )


def build() -> ReglintServer:
    server = ReglintServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ReglintServer, params: types.DidOpenTextDocumentParams):
        ls.lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ReglintServer, params: types.DidChangeTextDocumentParams):
        ls.lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ReglintServer, params: types.DidSaveTextDocumentParams):
        if params.text_document.uri.endswith("/pyproject.toml"):  # settings may have changed
            ls.plans.clear()
            for uri in list(ls.workspace.text_documents):
                ls.lint(uri)
            return
        ls.lint(params.text_document.uri)
        if params.text_document.uri.endswith(CONFIG_SUFFIXES):  # a `_BASE_` or group file of another open config
            for uri in list(ls.workspace.text_documents):
                if uri != params.text_document.uri and uri.endswith(CONFIG_SUFFIXES):
                    ls.lint(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ReglintServer, params: types.DidCloseTextDocumentParams):
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: ReglintServer, params: types.DidChangeWatchedFilesParams):
        if any(change.uri.endswith("/pyproject.toml") for change in params.changes):
            ls.plans.clear()
            for uri in list(ls.workspace.text_documents):
                ls.lint(uri)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL]),
    )
    def code_action(ls: ReglintServer, params: types.CodeActionParams):
        return ls.code_actions(params)

    return server


def main() -> int:
    build().start_io()
    return 0
