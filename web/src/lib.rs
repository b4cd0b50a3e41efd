//! ksim in a web page: the terminal explorer's `App`, views and key map drawn by ratzilla's
//! DOM back end, the shipped scenarios embedded, and the URL's hash naming what is shown
//! (`#scenario=acks-1-loses-acked-record.toml&seed=7&lang=ko`). Empty on any other target.
#![cfg(target_arch = "wasm32")]

mod page;

use wasm_bindgen::prelude::*;

include!(concat!(env!("OUT_DIR"), "/shipped.rs"));

/// Starts the page: called by the generated JavaScript once the module is loaded.
#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    console_error_panic_hook();
    page::run().map_err(|error| JsValue::from_str(&format!("{error:#}")))
}

/// Panics are written to the console (where the browser test looks for errors).
fn console_error_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&JsValue::from_str(&info.to_string()));
    }));
}
