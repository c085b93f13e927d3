"""Source -> model: placeholder until the extractor lands (issue 3)."""

from reglint.model import FileModel


def build_model(path, text, module):
    return FileModel(path=path, source=text, module=module)
