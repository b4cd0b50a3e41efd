//! STUB: the trace; signatures are the contract.
#[derive(Clone, Default)]
pub struct Trace {}

impl Trace {
    pub fn len(&self) -> usize {
        todo!()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The canonical text form: a header line, then one event per line.
    pub fn to_text(&self) -> String {
        todo!()
    }
    /// The same events as JSON Lines.
    pub fn to_jsonl(&self) -> String {
        todo!()
    }
    /// A short hex hash of the text form, which identifies a run.
    pub fn hash(&self) -> String {
        todo!()
    }
}
