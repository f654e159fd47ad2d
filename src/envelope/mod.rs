//! DSSE envelope verification against pinned Ed25519 keys (see DESIGN.md "Signed bundles").
