"""Pure Persian-text helpers: digits, ordinals, Jalali dates, shaping for SVG and terminals, Markdown, orthography."""
