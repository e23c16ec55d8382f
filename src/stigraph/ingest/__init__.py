"""Getting data in: parse and map a source, stage it, validate it, commit it atomically."""
