//! Package signatures (formats/package.md §5): ed25519 key pairs, and the signature
//! member, which signs the manifest's bytes. The manifest holds every file's SHA-256, so
//! the signature covers the whole package.
//!
//! Key files are one line of text each, so that an operator can read, mail and compare
//! them: `publickey alg=ed25519 key=<64 hex>` and `secretkey alg=ed25519 seed=<64 hex>`.

use crate::model::Sha256Digest;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A public key: who may have signed a package.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

/// A secret key, for `pack --sign`.
pub struct SecretKey(SigningKey);

impl PublicKey {
    /// The key's 64 hex digits.
    pub fn to_hex(&self) -> String {
        Sha256Digest(self.0.to_bytes()).to_hex()
    }

    /// Parses 64 lower-case hex digits.
    pub fn from_hex(hex: &str) -> Result<PublicKey, String> {
        let bytes = Sha256Digest::parse(hex).map_err(|e| format!("an ed25519 public key is {e}"))?;
        VerifyingKey::from_bytes(&bytes.0).map(PublicKey).map_err(|_| "not a valid ed25519 public key".to_string())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for SecretKey {
    /// Shows the public half only: a secret never ends up in a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(public {})", self.public().to_hex())
    }
}

impl SecretKey {
    /// The matching public key.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// The signature member of a package whose manifest is `manifest`.
    pub fn signature_member(&self, manifest: &[u8]) -> Vec<u8> {
        let sig = self.0.sign(manifest).to_bytes();
        format!("signature alg=ed25519 key={} value={}\n", self.public().to_hex(), hex(&sig)).into_bytes()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex64(s: &str) -> Option<[u8; 64]> {
    let b = s.as_bytes();
    if b.len() != 128 || !b.iter().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c)) {
        return None;
    }
    let mut out = [0u8; 64];
    for (i, pair) in b.chunks_exact(2).enumerate() {
        let v = |c: u8| if c.is_ascii_digit() { c - b'0' } else { c - b'a' + 10 };
        out[i] = (v(pair[0]) << 4) | v(pair[1]);
    }
    Some(out)
}

/// Checks the signature member `bytes` against the manifest: returns the key that
/// signed it, or why it does not verify.
pub fn check_signature(bytes: &[u8], manifest: &[u8]) -> Result<PublicKey, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the signature member is not text".to_string())?;
    let malformed = || "the signature member is not `signature alg=ed25519 key=<64 hex> value=<128 hex>`".to_string();
    let line = text.strip_suffix('\n').filter(|l| !l.contains('\n')).ok_or_else(malformed)?;
    let rest = line.strip_prefix("signature alg=ed25519 key=").ok_or_else(malformed)?;
    let (key, value) = rest.split_once(" value=").ok_or_else(malformed)?;
    let key = PublicKey::from_hex(key)?;
    let sig = unhex64(value).ok_or_else(malformed)?;
    key.0
        .verify_strict(manifest, &Signature::from_bytes(&sig))
        .map_err(|_| format!("the signature by key {} does not match the manifest", key.to_hex()))?;
    Ok(key)
}

/// What `keygen` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeygenDone {
    /// A new key pair was written.
    Written,
    /// An interrupted run had put the secret key in place and not yet its public half:
    /// the public key was derived from the secret and written.
    Completed,
}

/// Writes a new key pair: `NAME.key` (the secret, mode 0600) and `NAME.pub`, waiting for
/// a lock held by another writer as `wait` says. Never overwrites a key.
///
/// The pair is all or nothing, as far as two files can be: the secret key is put in place
/// first, then the public key. A run killed in between leaves the secret alone, whose
/// public half the next run derives and writes; a public key without its secret (left
/// by an earlier version, which wrote the public key first) is refused with what to do,
/// after the temporary files of the interrupted run are removed, so that no secret seed
/// is left behind in one.
pub fn keygen(
    name: &Path,
    wait: crate::disk::Wait,
) -> Result<(PathBuf, PathBuf, PublicKey, KeygenDone), crate::disk::AreaError> {
    use crate::disk::{AreaError, AtomicFile, DiskError, Op};
    let secret_path = with_suffix(name, "key");
    let public_path = with_suffix(name, "pub");
    let exists = |p: &Path| fs::symlink_metadata(p).is_ok();
    let write = |f: &mut fs::File, path: &Path, text: String| {
        f.write_all(text.as_bytes()).map_err(|e| AreaError::Io(DiskError::new(Op::Write, path, e)))
    };
    let refuse = |p: &Path, why: String| {
        AreaError::Io(DiskError::new(Op::Create, p, io::Error::new(io::ErrorKind::AlreadyExists, why)))
    };
    match (exists(&secret_path), exists(&public_path)) {
        (true, true) => Err(refuse(&public_path, "it already exists; catstage never overwrites a key".into())),
        (true, false) => {
            // The secret is in place, its public half is not: an interrupted run.
            let key = read_secret_key(&secret_path).map_err(|e| refuse(&secret_path, e))?;
            let public = key.public();
            let (public_file, mut p) = AtomicFile::begin(&public_path, 0o644, false, wait)?;
            write(&mut p, &public_path, format!("publickey alg=ed25519 key={}\n", public.to_hex()))?;
            public_file.commit(p)?;
            Ok((secret_path, public_path, public, KeygenDone::Completed))
        }
        (false, true) => {
            // Taking the secret key's writer lock removes what an interrupted run left
            // beside it (a temporary file holding a seed); nothing is written.
            drop(AtomicFile::begin(&secret_path, 0o600, false, wait)?);
            Err(refuse(
                &public_path,
                format!(
                    "it exists without its secret key {} (an interrupted keygen?); remove it and run keygen again",
                    secret_path.display()
                ),
            ))
        }
        (false, false) => {
            let key = SigningKey::generate(&mut rand_core::OsRng);
            let public = PublicKey(key.verifying_key());
            let (secret_file, mut s) = AtomicFile::begin(&secret_path, 0o600, false, wait)?;
            let (public_file, mut p) = AtomicFile::begin(&public_path, 0o644, false, wait)?;
            write(&mut s, &secret_path, format!("secretkey alg=ed25519 seed={}\n", hex(&key.to_bytes())))?;
            write(&mut p, &public_path, format!("publickey alg=ed25519 key={}\n", public.to_hex()))?;
            secret_file.commit(s)?;
            crate::disk::hooks::pause_point("keygen-between");
            public_file.commit(p).map_err(|e| {
                refuse(
                    &public_path,
                    format!(
                        "{e}; the secret key {} was written: run keygen again to write its public key",
                        secret_path.display()
                    ),
                )
            })?;
            Ok((secret_path, public_path, public, KeygenDone::Written))
        }
    }
}

fn with_suffix(name: &Path, suffix: &str) -> PathBuf {
    let mut s = name.as_os_str().to_owned();
    s.push(".");
    s.push(suffix);
    PathBuf::from(s)
}

/// Reads a public key file (`NAME.pub`).
pub fn read_public_key(path: &Path) -> Result<PublicKey, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let hex = text
        .trim_end()
        .strip_prefix("publickey alg=ed25519 key=")
        .ok_or_else(|| format!("{}: not a catstage public key (`publickey alg=ed25519 key=…`)", path.display()))?;
    PublicKey::from_hex(hex).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads a secret key file (`NAME.key`), refusing one that others may read.
pub fn read_secret_key(path: &Path) -> Result<SecretKey, String> {
    let meta = fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(format!(
            "{}: the secret key is readable by others (mode {:o}); run `chmod 600 {}` first",
            path.display(),
            meta.permissions().mode() & 0o777,
            path.display()
        ));
    }
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let hex = text
        .trim_end()
        .strip_prefix("secretkey alg=ed25519 seed=")
        .ok_or_else(|| format!("{}: not a catstage secret key (`secretkey alg=ed25519 seed=…`)", path.display()))?;
    let seed = Sha256Digest::parse(hex).map_err(|e| format!("{}: the seed is {e}", path.display()))?;
    Ok(SecretKey(SigningKey::from_bytes(&seed.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_check() {
        let dir = tempfile::tempdir().unwrap();
        let (sk, pk, public, _) = keygen(&dir.path().join("site"), crate::disk::Wait::No).unwrap();
        assert_eq!(fs::metadata(&sk).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(keygen(&dir.path().join("site"), crate::disk::Wait::No).is_err(), "never overwrites");
        let secret = read_secret_key(&sk).unwrap();
        assert_eq!(read_public_key(&pk).unwrap(), public);
        let member = secret.signature_member(b"manifest bytes");
        assert_eq!(check_signature(&member, b"manifest bytes"), Ok(public));
        assert!(check_signature(&member, b"manifest bytez").is_err());
        let mut bad = member.clone();
        let n = bad.len();
        bad[n - 3] = if bad[n - 3] == b'0' { b'1' } else { b'0' };
        assert!(check_signature(&bad, b"manifest bytes").is_err());
        fs::set_permissions(&sk, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(read_secret_key(&sk).unwrap_err().contains("readable by others"));
    }
}
