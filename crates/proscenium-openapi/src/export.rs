pub fn export() {}
pub struct ExportOptions;
pub enum ExportType {}
