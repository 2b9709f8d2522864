//! The Terraform type system: types, values, codecs, schema, diagnostics.
