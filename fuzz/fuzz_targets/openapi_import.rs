//! Fuzz target: importing any bytes as an OpenAPI document must return `Ok` or `Err`, never
//! panic; what an import accepts must export (both specifications) without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use proscenium_model::{ApiDefinition, RestApi};
use proscenium_openapi::{ExportOptions, ExportType, ImportOptions};

fuzz_target!(|data: &[u8]| {
    let mut def = ApiDefinition::new(RestApi::new("fuzzapi000", "", "fuzzroot00"));
    let mut n = 0u32;
    let mut next = || {
        n = n.wrapping_add(0x9E37_79B9);
        n
    };
    if proscenium_openapi::import(data, &mut def, &ImportOptions::default(), &mut next).is_ok() {
        for kind in [ExportType::Oas30, ExportType::Swagger] {
            let opts = ExportOptions {
                kind,
                stage: "s".into(),
                host: "h".into(),
                version_fallback: "v".into(),
                integrations: true,
                authorizers: true,
                documentation: None,
            };
            let doc = proscenium_openapi::export(&def, &opts);
            let _ = proscenium_openapi::export::render(&doc, true);
        }
    }
});
