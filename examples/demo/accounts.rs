//! The demo's users: in memory, their passwords hashed with Argon2 at start-up.

use std::{
    collections::HashMap,
    sync::atomic::{AtomicU32, Ordering},
};

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use serde::Serialize;

/// Name, password and role of each demo user; the README lists them too.
pub const DEMO_USERS: [(&str, &str, &str); 2] = [
    ("alice", "wonderland", "admin"),
    ("bob", "builder", "member"),
];

/// A user, as handlers and templates see it (no password hash).
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub name: String,
    pub role: &'static str,
    /// The account's revocation stamp when loaded: "log out everywhere" bumps it, ending every
    /// login made before (sessions and remember cookies alike).
    #[serde(skip)]
    pub sessions_epoch: u32,
}

struct Account {
    user: User,
    /// Shared by every worker; bumped by [`Accounts::log_out_everywhere`].
    sessions_epoch: AtomicU32,
    /// A PHC string (`$argon2id$v=19$...`).
    password_hash: String,
}

/// The user store.
pub struct Accounts {
    by_name: HashMap<String, Account>,
    /// Verified against for unknown names, so that a wrong name costs what a wrong password
    /// does and the timing does not tell which names exist.
    dummy_hash: String,
}

impl Accounts {
    /// The [`DEMO_USERS`], hashed with Argon2id's default parameters and a random salt each.
    pub fn demo() -> Result<Self, argon2::password_hash::Error> {
        let by_name = DEMO_USERS
            .iter()
            .map(|&(name, password, role)| {
                let account = Account {
                    user: User {
                        name: name.to_owned(),
                        role,
                        sessions_epoch: 0,
                    },
                    sessions_epoch: AtomicU32::new(0),
                    password_hash: hash(password)?,
                };
                Ok((name.to_owned(), account))
            })
            .collect::<Result<_, argon2::password_hash::Error>>()?;
        let dummy_hash = hash(SaltString::generate(&mut OsRng).as_str())?;
        Ok(Self {
            by_name,
            dummy_hash,
        })
    }

    /// The user `name`, if there is one (the user loader).
    pub fn user(&self, name: &str) -> Option<User> {
        self.by_name.get(name).map(Account::user)
    }

    /// Ends every login of `name`, on every device: its sessions and remember cookies.
    pub fn log_out_everywhere(&self, name: &str) {
        if let Some(account) = self.by_name.get(name) {
            account.sessions_epoch.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Every user, by name.
    pub fn users(&self) -> Vec<&User> {
        let mut users: Vec<_> = self.by_name.values().map(|account| &account.user).collect();
        users.sort_by(|a, b| a.name.cmp(&b.name));
        users
    }

    /// The user `name` if `password` is theirs. Slow on purpose (Argon2), whether or not the
    /// user exists; call it off the async workers.
    pub fn verify(&self, name: &str, password: &str) -> Option<User> {
        let account = self.by_name.get(name);
        let hash = account.map_or(self.dummy_hash.as_str(), |account| {
            account.password_hash.as_str()
        });
        let matches = match PasswordHash::new(hash) {
            Ok(parsed) => Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(error) => {
                log::error!("a stored password hash does not parse: {error}");
                false
            }
        };
        account.filter(|_| matches).map(Account::user)
    }
}

impl Account {
    fn user(&self) -> User {
        User {
            sessions_epoch: self.sessions_epoch.load(Ordering::Relaxed),
            ..self.user.clone()
        }
    }
}

fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}
