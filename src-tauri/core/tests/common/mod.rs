//! What the core's integration test binaries share.

use saferoom_core::ids::StaffId;
use saferoom_core::testing::test_now;
use saferoom_core::{CreateOptions, OwnerAccount, SecretString, Vault, VaultPaths};

/// A new vault at `paths` that opens with `passphrase` (and the owner's password), with an owner `owner`;
/// the vault, open, and the owner's id.
pub fn vault_with_passphrase(paths: &VaultPaths, passphrase: &SecretString) -> (Vault, StaffId) {
    let password = SecretString::from("integration test owner password");
    let created = Vault::create(
        paths,
        CreateOptions {
            keychain: None,
            passphrase: Some(passphrase),
            owner: Some(&OwnerAccount { login: "owner", display_name: "Owner", password: &password }),
            now: test_now(),
        },
    )
    .unwrap();
    let owner = StaffId::parse(created.owner_id.as_deref().unwrap()).unwrap();
    (created.vault, owner)
}
