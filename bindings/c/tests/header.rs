//! The committed `include/omskit.h` must be exactly what cbindgen generates
//! from the source and `cbindgen.toml`. Run with `OMSKIT_BLESS_HEADER=1` to
//! rewrite it after changing the exported API.

use std::path::Path;

#[test]
fn committed_header_matches_the_source() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_crate(crate_dir)
        .generate()
        .expect("cbindgen generates the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).expect("UTF-8 header");

    let path = crate_dir.join("include/omskit.h");
    if std::env::var_os("OMSKIT_BLESS_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write include/omskit.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
        let show = |text: &str| text.lines().nth(line).unwrap_or("<end of file>").to_owned();
        panic!(
            "include/omskit.h is out of date: first difference at line {}\n  committed: {}\n  generated: {}\n\
             Regenerate it with `OMSKIT_BLESS_HEADER=1 cargo test -p omskit-c --test header` \
             (or `cbindgen --config cbindgen.toml --output include/omskit.h` in bindings/c) and commit it.",
            line + 1,
            show(&committed),
            show(&generated),
        );
    }
}
