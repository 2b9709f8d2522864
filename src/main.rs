//! The provider binary: terraform starts it; `--debug` serves for `TF_REATTACH_PROVIDERS`.

use terraform_provider_cloudlink::{plugin, provider::CloudlinkProvider, resources};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() {
    plugin::log::init();
    let mode = if std::env::args()
        .skip(1)
        .any(|a| a == "--debug" || a == "-debug")
    {
        plugin::ServeMode::Debug
    } else {
        plugin::ServeMode::Terraform
    };
    let stop = CancellationToken::new();
    let provider = CloudlinkProvider::new(resources::registry(), stop.clone());
    if let Err(e) = plugin::serve(provider, mode, stop).await {
        eprintln!("{e:#}");
        std::process::exit(1);
    }
}
