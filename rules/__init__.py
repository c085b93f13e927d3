"""The rules: one module per rule, loaded by `reglint.rule.all_rules`."""
