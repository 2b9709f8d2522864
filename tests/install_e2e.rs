//! `make install` puts the provider into the implied local mirror
//! (`~/.terraform.d/plugins/registry.terraform.io/cloudlink/cloudlink/VERSION/OS_ARCH/`), so a
//! plain `terraform init` finds it with no network and no dev_overrides.

mod support;

use std::path::PathBuf;
use std::process::Command;

#[test]
fn make_install_then_terraform_init_works_offline() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let home = tempfile::tempdir().unwrap();
    // cargo already built the binary for this test; `CARGO=true` turns the recipe's build
    // step into a no-op (a nested cargo would see another environment and rebuild), so this
    // checks what `make install` puts where.
    let out = Command::new("make")
        .args(["install", "CARGO=true"])
        .current_dir(&repo)
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "make install failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let version = env!("CARGO_PKG_VERSION");
    let installed = home.path().join(format!(
        ".terraform.d/plugins/registry.terraform.io/cloudlink/cloudlink/{version}"
    ));
    assert!(
        installed.is_dir(),
        "nothing installed under {}",
        installed.display()
    );

    // Keep the example's layout: module-usage/ calls ../modules/aws-azure-vpn.
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("module-usage");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::copy(
        repo.join("examples/module-usage/main.tf"),
        root.join("main.tf"),
    )
    .unwrap();
    let modules = work.path().join("modules/aws-azure-vpn");
    std::fs::create_dir_all(&modules).unwrap();
    for e in std::fs::read_dir(repo.join("examples/modules/aws-azure-vpn")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), modules.join(e.file_name())).unwrap();
    }
    let tf = |args: &[&str]| {
        Command::new(support::terraform_bin())
            .args(args)
            .current_dir(&root)
            .env("HOME", home.path())
            .env_remove("TF_CLI_CONFIG_FILE")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            // No route to any registry: a network lookup would fail the init.
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("HTTP_PROXY", "http://127.0.0.1:9")
            .output()
            .unwrap()
    };
    let init = tf(&["init", "-no-color"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&init.stdout),
        String::from_utf8_lossy(&init.stderr)
    );
    assert!(init.status.success(), "terraform init failed:\n{text}");
    assert!(text.contains("cloudlink/cloudlink"), "{text}");
    assert!(
        !text.contains("Provider development overrides"),
        "must not rely on dev_overrides"
    );
    let validate = tf(&["validate", "-no-color"]);
    assert!(
        validate.status.success(),
        "{}",
        String::from_utf8_lossy(&validate.stderr)
    );
}
