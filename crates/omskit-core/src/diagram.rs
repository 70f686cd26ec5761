//! State diagrams drawn from the code's own transition tables, so the
//! pictures in the documentation cannot drift from what the engine enforces.
//!
//! A [`StateDiagram`] is a plain description (initial states, terminal
//! states, the `(from, action, to)` rows); it renders as Mermaid
//! ([`StateDiagram::to_mermaid`]) or Graphviz DOT ([`StateDiagram::to_dot`]).
//! Every state machine with a transition table implements [`StateMachine`]:
//!
//! ```
//! use omskit_core::diagram::StateMachine;
//! use omskit_core::OrderStatus;
//!
//! let mermaid = OrderStatus::diagram().to_mermaid();
//! assert!(mermaid.starts_with("stateDiagram-v2\n    [*] --> placed\n"));
//! ```
//!
//! Several actions between the same two states are drawn as one edge whose
//! label lists them in table order (`edit, record_payment`); self-loops are
//! kept, since they are real actions. Output is deterministic: edges appear in
//! the order of their first row in the table.

use std::fmt::Write as _;

use crate::fulfillment::{FulfillmentAction, FulfillmentStatus};
use crate::order::{OrderAction, OrderStatus};

/// A state machine as a diagram: its states, where it starts and ends, and
/// every transition of its table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDiagram {
    /// Title, e.g. "order".
    pub name: &'static str,
    /// States a new entity starts in.
    pub initial: Vec<&'static str>,
    /// States nothing leaves.
    pub terminal: Vec<&'static str>,
    /// (from, action, to), in table order.
    pub transitions: Vec<(&'static str, &'static str, &'static str)>,
}

/// One drawn edge: all the actions leading from `from` to `to`.
struct Edge {
    from: &'static str,
    to: &'static str,
    actions: Vec<&'static str>,
}

impl Edge {
    /// The actions in table order, separated by `, `.
    fn label(&self) -> String {
        self.actions.join(", ")
    }
}

impl StateDiagram {
    /// The diagram as Mermaid `stateDiagram-v2` source.
    ///
    /// The first line is `stateDiagram-v2`, then `[*] --> s` for each initial
    /// state, one `from --> to : actions` line per edge, and `s --> [*]` for
    /// each terminal state. State and action names are written as they are
    /// (the tables use snake_case identifiers, valid Mermaid as-is); a line
    /// break inside a label is replaced by a space so the output stays one
    /// statement per line.
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("stateDiagram-v2\n");
        for state in &self.initial {
            // Writing to a String cannot fail.
            let _ = writeln!(out, "    [*] --> {state}");
        }
        for edge in self.edges() {
            let label = edge.label().replace(['\r', '\n'], " ");
            let _ = writeln!(out, "    {} --> {} : {label}", edge.from, edge.to);
        }
        for state in &self.terminal {
            let _ = writeln!(out, "    {state} --> [*]");
        }
        out
    }

    /// The diagram as a Graphviz DOT `digraph`, laid out left to right.
    ///
    /// States are rounded boxes (a `node` default line), terminal states are
    /// double circles, a point named `start` (or `start_`, `start__`... if a
    /// state already has that name) leads to each initial state, and each edge
    /// is `"from" -> "to" [label="actions"];`. `"` and `\` in names and labels
    /// are escaped.
    pub fn to_dot(&self) -> String {
        let mut start = String::from("start");
        while self.states().any(|s| s == start) {
            start.push('_');
        }

        let mut out = String::new();
        let _ = writeln!(out, "digraph {} {{", dot_id(self.name));
        out.push_str("    rankdir=LR;\n");
        out.push_str("    node [shape=box, style=rounded];\n");
        let _ = writeln!(out, "    {start} [shape=point];");
        for state in &self.terminal {
            let _ = writeln!(out, "    \"{}\" [shape=doublecircle];", dot_escape(state));
        }
        for state in &self.initial {
            let _ = writeln!(out, "    {start} -> {};", dot_id(state));
        }
        for edge in self.edges() {
            let _ = writeln!(
                out,
                "    \"{}\" -> \"{}\" [label=\"{}\"];",
                dot_escape(edge.from),
                dot_escape(edge.to),
                dot_escape(&edge.label())
            );
        }
        out.push_str("}\n");
        out
    }

    /// The transitions merged by `(from, to)`, in the order of each pair's
    /// first row; an action listed twice for the same pair appears once.
    fn edges(&self) -> Vec<Edge> {
        let mut edges: Vec<Edge> = Vec::new();
        for &(from, action, to) in &self.transitions {
            match edges.iter_mut().find(|e| e.from == from && e.to == to) {
                Some(edge) => {
                    if !edge.actions.contains(&action) {
                        edge.actions.push(action);
                    }
                }
                None => edges.push(Edge { from, to, actions: vec![action] }),
            }
        }
        edges
    }

    /// Every state name mentioned anywhere in the diagram.
    fn states(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.initial
            .iter()
            .chain(&self.terminal)
            .copied()
            .chain(self.transitions.iter().flat_map(|&(from, _, to)| [from, to]))
    }
}

/// A state machine that can draw itself.
pub trait StateMachine {
    /// The machine's diagram, derived from its transition table.
    fn diagram() -> StateDiagram;
}

impl StateMachine for OrderStatus {
    /// The order life cycle, from [`OrderStatus::TRANSITIONS`]; every order
    /// starts `placed`.
    fn diagram() -> StateDiagram {
        from_table(
            "order",
            &[OrderStatus::Placed],
            OrderStatus::TRANSITIONS,
            OrderStatus::as_str,
            OrderAction::as_str,
        )
    }
}

impl StateMachine for FulfillmentStatus {
    /// The fulfilment order life cycle, from [`FulfillmentStatus::TRANSITIONS`];
    /// a fulfilment order starts `ready` (made from reservations) or
    /// `pending` (units a short pick found no stock for).
    fn diagram() -> StateDiagram {
        from_table(
            "fulfillment",
            &[FulfillmentStatus::Ready, FulfillmentStatus::Pending],
            FulfillmentStatus::TRANSITIONS,
            FulfillmentStatus::as_str,
            FulfillmentAction::as_str,
        )
    }
}

/// A diagram from a `(from, action, to)` transition table.
///
/// `terminal` is computed: every state appearing in the table (as source or
/// target) with no row leading to a *different* state, in order of first
/// appearance. A state whose only rows are self-loops is terminal.
pub(crate) fn from_table<S: Copy + PartialEq, A: Copy>(
    name: &'static str,
    initial: &[S],
    table: &[(S, A, S)],
    state_name: fn(S) -> &'static str,
    action_name: fn(A) -> &'static str,
) -> StateDiagram {
    let mut seen: Vec<S> = Vec::new();
    for &(from, _, to) in table {
        for state in [from, to] {
            if !seen.contains(&state) {
                seen.push(state);
            }
        }
    }
    let terminal = seen
        .into_iter()
        .filter(|&state| !table.iter().any(|&(from, _, to)| from == state && to != state))
        .map(state_name)
        .collect();

    StateDiagram {
        name,
        initial: initial.iter().copied().map(state_name).collect(),
        terminal,
        transitions: table
            .iter()
            .map(|&(from, action, to)| (state_name(from), action_name(action), state_name(to)))
            .collect(),
    }
}

/// `s` with `\` and `"` escaped for a DOT quoted string; a line break becomes
/// DOT's `\n`.
fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// `s` as a DOT identifier: bare when it is a plain ASCII identifier and not
/// a DOT keyword, quoted and escaped otherwise.
fn dot_id(s: &str) -> String {
    const KEYWORDS: [&str; 6] = ["node", "edge", "graph", "digraph", "subgraph", "strict"];
    let mut chars = s.chars();
    let plain = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(s));
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", dot_escape(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Door {
        Closed,
        Open,
        Locked,
        Broken,
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Act {
        Open,
        Close,
        Slam,
        Knock,
        Lock,
        Kick,
    }

    impl Door {
        fn as_str(self) -> &'static str {
            match self {
                Door::Closed => "closed",
                Door::Open => "open",
                Door::Locked => "locked",
                Door::Broken => "broken",
            }
        }
    }

    impl Act {
        fn as_str(self) -> &'static str {
            match self {
                Act::Open => "open",
                Act::Close => "close",
                Act::Slam => "slam",
                Act::Knock => "knock",
                Act::Lock => "lock",
                Act::Kick => "kick",
            }
        }
    }

    /// A merged edge (close, slam), a self-loop (knock), a state that is
    /// terminal despite its self-loop (broken) and one only reached (locked
    /// has no rows of its own).
    const DOOR: &[(Door, Act, Door)] = &[
        (Door::Closed, Act::Open, Door::Open),
        (Door::Open, Act::Close, Door::Closed),
        (Door::Closed, Act::Knock, Door::Closed),
        (Door::Open, Act::Slam, Door::Closed),
        (Door::Closed, Act::Lock, Door::Locked),
        (Door::Closed, Act::Kick, Door::Broken),
        (Door::Broken, Act::Kick, Door::Broken),
    ];

    fn door() -> StateDiagram {
        from_table("door", &[Door::Closed], DOOR, Door::as_str, Act::as_str)
    }

    #[test]
    fn from_table_keeps_rows_and_computes_terminal_states() {
        let d = door();
        assert_eq!(d.name, "door");
        assert_eq!(d.initial, ["closed"]);
        assert_eq!(d.terminal, ["locked", "broken"]);
        assert_eq!(d.transitions.len(), DOOR.len());
        assert_eq!(d.transitions[3], ("open", "slam", "closed"));
        assert_eq!(d.transitions[6], ("broken", "kick", "broken"));
    }

    #[test]
    fn mermaid_exact() {
        let expected = "\
stateDiagram-v2
    [*] --> closed
    closed --> open : open
    open --> closed : close, slam
    closed --> closed : knock
    closed --> locked : lock
    closed --> broken : kick
    broken --> broken : kick
    locked --> [*]
    broken --> [*]
";
        assert_eq!(door().to_mermaid(), expected);
    }

    #[test]
    fn dot_exact() {
        let expected = r#"digraph door {
    rankdir=LR;
    node [shape=box, style=rounded];
    start [shape=point];
    "locked" [shape=doublecircle];
    "broken" [shape=doublecircle];
    start -> closed;
    "closed" -> "open" [label="open"];
    "open" -> "closed" [label="close, slam"];
    "closed" -> "closed" [label="knock"];
    "closed" -> "locked" [label="lock"];
    "closed" -> "broken" [label="kick"];
    "broken" -> "broken" [label="kick"];
}
"#;
        assert_eq!(door().to_dot(), expected);
    }

    #[test]
    fn dot_escapes_quotes_and_backslashes() {
        let d = StateDiagram {
            name: "my graph",
            initial: vec!["a\"b"],
            terminal: vec!["c"],
            transitions: vec![
                ("a\"b", "say \"hi\"", "c"),
                ("a\"b", "path\\to", "c"),
                ("start", "go", "c"),
            ],
        };
        let dot = d.to_dot();
        assert!(dot.starts_with("digraph \"my graph\" {\n"), "{dot}");
        assert!(
            dot.contains("    \"a\\\"b\" -> \"c\" [label=\"say \\\"hi\\\", path\\\\to\"];\n"),
            "{dot}"
        );
        // A state named `start` pushes the start point to another name.
        assert!(dot.contains("    start_ [shape=point];\n"), "{dot}");
        assert!(dot.contains("    start_ -> \"a\\\"b\";\n"), "{dot}");
        assert!(dot.contains("    \"start\" -> \"c\" [label=\"go\"];\n"), "{dot}");
    }

    #[test]
    fn dot_ids_quote_keywords_and_non_identifiers() {
        assert_eq!(dot_id("order"), "order");
        assert_eq!(dot_id("on_hold2"), "on_hold2");
        assert_eq!(dot_id("node"), "\"node\"");
        assert_eq!(dot_id("Graph"), "\"Graph\"");
        assert_eq!(dot_id("2x"), "\"2x\"");
        assert_eq!(dot_id(""), "\"\"");
        assert_eq!(dot_escape("a\nb\\\""), "a\\nb\\\\\\\"");
    }

    #[test]
    fn mermaid_keeps_one_statement_per_line() {
        let d = StateDiagram {
            name: "x",
            initial: vec![],
            terminal: vec![],
            transitions: vec![("a", "two\nlines", "b")],
        };
        assert_eq!(d.to_mermaid(), "stateDiagram-v2\n    a --> b : two lines\n");
    }

    #[test]
    fn output_is_deterministic() {
        let first = (door().to_mermaid(), door().to_dot());
        for _ in 0..10 {
            assert_eq!((door().to_mermaid(), door().to_dot()), first);
        }
        let order = OrderStatus::diagram();
        assert_eq!(order, OrderStatus::diagram());
        assert_eq!(order.to_mermaid(), OrderStatus::diagram().to_mermaid());
        assert_eq!(order.to_dot(), OrderStatus::diagram().to_dot());
        assert!(first.0.ends_with('\n') && first.1.ends_with('\n'));
    }

    #[test]
    fn order_diagram_follows_the_transition_table() {
        let d = OrderStatus::diagram();
        assert_eq!(d.name, "order");
        assert_eq!(d.initial, ["placed"]);
        assert_eq!(d.transitions.len(), OrderStatus::TRANSITIONS.len());

        let mermaid = d.to_mermaid();
        let dot = d.to_dot();
        assert!(mermaid.contains("\n    [*] --> placed\n"), "{mermaid}");
        assert!(dot.contains("\n    start -> placed;\n"), "{dot}");
        assert!(dot.starts_with("digraph order {\n"), "{dot}");

        for &(from, action, to) in OrderStatus::TRANSITIONS {
            let (from, action, to) = (from.as_str(), action.as_str(), to.as_str());
            let prefix = format!("    {from} --> {to} : ");
            let line = mermaid.lines().find(|l| l.starts_with(&prefix)).unwrap_or_default();
            assert!(
                line[prefix.len().min(line.len())..].split(", ").any(|a| a == action),
                "no Mermaid edge for ({from}, {action}, {to}) in\n{mermaid}"
            );
            let dot_prefix = format!("    \"{from}\" -> \"{to}\" [label=\"");
            assert!(
                dot.lines().any(|l| l.starts_with(&dot_prefix)
                    && l[dot_prefix.len()..]
                        .trim_end_matches("\"];")
                        .split(", ")
                        .any(|a| a == action)),
                "no DOT edge for ({from}, {action}, {to}) in\n{dot}"
            );
        }
    }

    #[test]
    fn order_cancelled_is_terminal_and_placed_is_not() {
        let d = OrderStatus::diagram();
        assert!(d.terminal.contains(&"cancelled"), "{:?}", d.terminal);
        assert!(!d.terminal.contains(&"placed"), "{:?}", d.terminal);
        assert!(d.to_mermaid().contains("\n    cancelled --> [*]\n"));
        assert!(d.to_dot().contains("\n    \"cancelled\" [shape=doublecircle];\n"));
        // Terminal really means nothing leaves: no row from it to another state.
        for state in &d.terminal {
            assert!(!d.transitions.iter().any(|(from, _, to)| from == state && to != state));
        }
    }
}
