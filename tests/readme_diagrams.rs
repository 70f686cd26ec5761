//! The README's state diagrams are generated from the transition tables,
//! not drawn by hand: this test fails when they differ. Run it with
//! `OMSKIT_BLESS=1` to rewrite them after a table changes.

use omskit::diagram::{StateDiagram, StateMachine};
use omskit::{FulfillmentStatus, OrderStatus};

/// The fenced Mermaid block the README holds between the markers of `name`.
fn block(diagram: &StateDiagram) -> String {
    format!("```mermaid\n{}```\n", diagram.to_mermaid())
}

fn markers(name: &str) -> (String, String) {
    (format!("<!-- diagram:{name} -->\n"), format!("<!-- /diagram:{name} -->"))
}

#[test]
fn readme_diagrams_match_the_transition_tables() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let mut readme = std::fs::read_to_string(path).expect("read README.md");
    let bless = std::env::var_os("OMSKIT_BLESS").is_some();
    for (name, diagram) in
        [("fulfillment", FulfillmentStatus::diagram()), ("order", OrderStatus::diagram())]
    {
        let (start, end) = markers(name);
        let from =
            readme.find(&start).unwrap_or_else(|| panic!("README lacks {start}")) + start.len();
        let to = from + readme[from..].find(&end).unwrap_or_else(|| panic!("README lacks {end}"));
        let expected = block(&diagram);
        if bless {
            readme.replace_range(from..to, &expected);
        } else {
            assert_eq!(
                readme[from..to],
                expected,
                "the README's {name} diagram is stale: run `OMSKIT_BLESS=1 cargo test --test readme_diagrams`"
            );
        }
    }
    if bless {
        std::fs::write(path, readme).expect("write README.md");
    }
}
