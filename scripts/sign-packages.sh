#!/usr/bin/env bash
# Sign the installers in a folder (make package calls it when SAFEROOM_SIGNING_KEY is set) with the GPG key that
# SAFEROOM_SIGNING_KEY names (a fingerprint, key id or e-mail address in the keyring of GNUPGHOME or ~/.gnupg):
#   - the .rpm gets its own signature (rpmsign), which dnf and `rpm -K` check against an imported key;
#   - every installer is listed in SHA256SUMS, and SHA256SUMS gets a detached signature, SHA256SUMS.asc, the way
#     Debian and Ubuntu sign their own installer images. Debian and Ubuntu do not check signatures inside a .deb
#     (dpkg turns debsig-verify off, and dpkg-sig is gone from Debian since bookworm), so the signed list is what
#     a practice can actually check: `gpg --verify SHA256SUMS.asc SHA256SUMS && sha256sum -c SHA256SUMS`;
#   - the public key goes beside them as saferoom-signing-key.asc (check its fingerprint against the one the
#     project publishes before trusting it).
# The key must sign without a prompt (no passphrase, or one gpg-agent already holds).
set -euo pipefail
folder=$1
key=${SAFEROOM_SIGNING_KEY:?name the signing key in SAFEROOM_SIGNING_KEY}
gpg=(gpg --batch --yes --local-user "$key")
if ! gpg --batch --list-secret-keys "$key" >/dev/null 2>&1; then
  echo "no secret key for SAFEROOM_SIGNING_KEY=$key in ${GNUPGHOME:-~/.gnupg}" >&2
  exit 1
fi
cd "$folder"
shopt -s nullglob
rpms=(*.rpm)
for rpm in "${rpms[@]}"; do
  # rpm's default signer is gpg2, which Debian calls gpg.
  rpmsign --addsign --define "__gpg $(command -v gpg)" --define "_gpg_name $key" \
    --define "_gpg_sign_cmd_extra_args --batch" "$rpm" >/dev/null
done
rm -f SHA256SUMS SHA256SUMS.asc saferoom-signing-key.asc
installers=(*.deb *.rpm *.AppImage)
if [ "${#installers[@]}" = 0 ]; then
  echo "no installers in $folder" >&2
  exit 1
fi
sha256sum "${installers[@]}" >SHA256SUMS
"${gpg[@]}" --armor --detach-sign --output SHA256SUMS.asc SHA256SUMS
gpg --batch --armor --export "$key" >saferoom-signing-key.asc
fingerprint=$(gpg --batch --with-colons --fingerprint "$key" | awk -F: '$1 == "fpr" { print $10; exit }')
echo "signed ${installers[*]} with key $fingerprint: SHA256SUMS, SHA256SUMS.asc, saferoom-signing-key.asc"
