//! The README's examples are real: every JSON block in it that is a bundle must load (parse and
//! validate), and every signals file must replay against the README's example bundle.

use pathwise::bundle::load;
use pathwise::program::{self, Program};
use pathwise::scenario::Scenario;
use pathwise::signals::Declarations;

fn json_blocks() -> Vec<String> {
    let readme = include_str!("../README.md");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```json") => current = Some(String::new()),
            (Some(block), l) if l.starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn readme_beacon_payload_is_one_a_collector_accepts() {
    let blocks = json_blocks();
    let payloads: Vec<_> = blocks.iter().filter(|b| b.contains("\"batch\"")).collect();
    assert!(!payloads.is_empty(), "the README shows a beacon payload");
    for p in payloads {
        pathwise::report::payload::Batch::parse(p.as_bytes())
            .unwrap_or_else(|e| panic!("README payload refused: {e}\n{p}"));
    }
}

#[test]
fn readme_bundles_are_valid_and_scenarios_replay() {
    let blocks = json_blocks();
    let bundles: Vec<_> = blocks
        .iter()
        .filter(|b| b.contains("\"schema\": 1") && b.contains("\"rules\""))
        .collect();
    assert!(!bundles.is_empty(), "the README shows at least one bundle");
    let mut first: Option<Program> = None;
    for b in &bundles {
        let bundle =
            load(b.as_bytes()).unwrap_or_else(|e| panic!("README bundle invalid: {e}\n{b}"));
        // And it compiles into a program devices read, as `pathwise sign` would sign it.
        let compiled = program::compile(&bundle)
            .unwrap_or_else(|e| panic!("README bundle does not compile: {e}\n{b}"));
        let read = program::read(&compiled).unwrap();
        first.get_or_insert(read);
    }
    let program = first.unwrap();
    let scenarios: Vec<_> = blocks
        .iter()
        .filter(|b| b.contains("\"actions\""))
        .collect();
    assert!(!scenarios.is_empty(), "the README shows a signals file");
    for s in scenarios {
        let scenario: Scenario =
            pathwise::json::from_str(s).unwrap_or_else(|e| panic!("README scenario: {e}\n{s}"));
        let replayed = scenario
            .replay(&Declarations::of_program(&program))
            .unwrap_or_else(|e| panic!("README scenario: {e}"));
        let slot = program.slot("onboarding").unwrap();
        let d = program.peek(slot, &replayed.context(), &replayed.history);
        assert_eq!(
            d.variant_id(&program),
            "admin-path",
            "the README's admin device gets the admin path"
        );
    }
}
