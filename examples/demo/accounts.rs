//! The demo's users: in memory, their passwords hashed with Argon2 at start-up.
//!
//! Each account's sessions epoch, its revocation stamp ("log out everywhere" bumps it), lives in
//! this process on the cookie store, and in Redis when the demo keeps its sessions there, so
//! that every instance sharing the Redis sees the same epoch.

use std::{
    collections::HashMap,
    sync::atomic::{AtomicU64, Ordering},
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
    /// The account's revocation stamp when loaded ([`Accounts::user`]): "log out everywhere"
    /// bumps it, ending every login made before (sessions and remember cookies alike).
    #[serde(skip)]
    pub sessions_epoch: u64,
}

struct Account {
    user: User,
    /// Shared by every worker; bumped by [`Accounts::log_out_everywhere`]. Not read when the
    /// epochs are in Redis.
    sessions_epoch: AtomicU64,
    /// A PHC string (`$argon2id$v=19$...`).
    password_hash: String,
}

/// Where the accounts' sessions epochs are kept.
enum Epochs {
    /// In each [`Account`]: this process alone sees them.
    Memory,
    /// In Redis, under `demo:sessions_epoch:<name>`: shared by every instance using this Redis.
    #[cfg(feature = "redis")]
    Redis(deadpool_redis::Pool),
}

/// The user store.
pub struct Accounts {
    by_name: HashMap<String, Account>,
    /// Verified against for unknown names, so that a wrong name costs what a wrong password
    /// does and the timing does not tell which names exist.
    dummy_hash: String,
    epochs: Epochs,
}

/// "Log out everywhere" could not be recorded: nothing was revoked.
#[derive(Debug)]
pub struct EpochError(String);

impl std::fmt::Display for EpochError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Accounts {
    /// The [`DEMO_USERS`], hashed with Argon2id's default parameters and a random salt each;
    /// their sessions epochs in this process.
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
                    sessions_epoch: AtomicU64::new(0),
                    password_hash: hash(password)?,
                };
                Ok((name.to_owned(), account))
            })
            .collect::<Result<_, argon2::password_hash::Error>>()?;
        let dummy_hash = hash(SaltString::generate(&mut OsRng).as_str())?;
        Ok(Self {
            by_name,
            dummy_hash,
            epochs: Epochs::Memory,
        })
    }

    /// These accounts with their sessions epochs in the Redis of `pool`, shared by every
    /// instance of the demo using it.
    #[cfg(feature = "redis")]
    pub fn with_epochs_in_redis(self, pool: deadpool_redis::Pool) -> Self {
        Self {
            epochs: Epochs::Redis(pool),
            ..self
        }
    }

    /// The user `name` with its sessions epoch now, if there is one (the user loader). `None`
    /// too when the epoch cannot be read (Redis down or slow): the login check then refuses,
    /// it never lets a request through on a guessed epoch.
    pub async fn user(&self, name: &str) -> Option<User> {
        let account = self.by_name.get(name)?;
        let sessions_epoch = match &self.epochs {
            Epochs::Memory => account.sessions_epoch.load(Ordering::Relaxed),
            #[cfg(feature = "redis")]
            Epochs::Redis(pool) => match redis_epochs::read(pool, name).await {
                Ok(epoch) => epoch,
                Err(error) => {
                    log::warn!(
                        "the sessions epoch of {name} cannot be read, login refused: {error}"
                    );
                    return None;
                }
            },
        };
        Some(User {
            sessions_epoch,
            ..account.user.clone()
        })
    }

    /// The role of the user `name`, if there is one.
    pub fn role(&self, name: &str) -> Option<&'static str> {
        self.by_name.get(name).map(|account| account.user.role)
    }

    /// Ends every login of `name`, on every device (and every instance sharing the Redis): its
    /// sessions and remember cookies. An error when the new epoch cannot be recorded.
    pub async fn log_out_everywhere(&self, name: &str) -> Result<(), EpochError> {
        let Some(account) = self.by_name.get(name) else {
            return Ok(());
        };
        match &self.epochs {
            Epochs::Memory => {
                account.sessions_epoch.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            #[cfg(feature = "redis")]
            Epochs::Redis(pool) => redis_epochs::bump(pool, name)
                .await
                .map_err(|error| EpochError(error.to_string())),
        }
    }

    /// Every user, by name.
    pub fn users(&self) -> Vec<&User> {
        let mut users: Vec<_> = self.by_name.values().map(|account| &account.user).collect();
        users.sort_by(|a, b| a.name.cmp(&b.name));
        users
    }

    /// The role of the user `name` if `password` is theirs. Slow on purpose (Argon2), whether
    /// or not the user exists; call it off the async workers.
    pub fn verify(&self, name: &str, password: &str) -> Option<&'static str> {
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
        account.filter(|_| matches).map(|account| account.user.role)
    }
}

/// The sessions epochs in Redis: `demo:sessions_epoch:<name>`, an integer.
#[cfg(feature = "redis")]
mod redis_epochs {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    use deadpool_redis::{redis, Pool};

    /// How long one read or bump may take, getting a connection included: a Redis outage
    /// refuses logins within it rather than holding requests (a refused connection at once).
    const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

    fn key(name: &str) -> String {
        format!("demo:sessions_epoch:{name}")
    }

    async fn within<T>(
        work: impl std::future::Future<Output = anyhow::Result<T>>,
    ) -> anyhow::Result<T> {
        actix_web::rt::time::timeout(TIMEOUT, work)
            .await
            .map_err(|_| anyhow::anyhow!("Redis did not answer within {TIMEOUT:?}"))?
    }

    /// The epoch of `name`. An account with none yet (a new Redis, or one that lost its data)
    /// starts at a random value, so that a Redis losing its data ends the logins made before
    /// (their stamps do not match the new epoch) rather than bringing back the epoch they
    /// recorded.
    pub(super) async fn read(pool: &Pool, name: &str) -> anyhow::Result<u64> {
        within(async {
            let key = key(name);
            let mut conn = pool.get().await?;
            let epoch: Option<u64> = redis::cmd("GET").arg(&key).query_async(&mut conn).await?;
            if let Some(epoch) = epoch {
                return Ok(epoch);
            }
            // Below 2^62: INCR (on a signed 64-bit integer) has room.
            let start = OsRng.next_u64() >> 2;
            // Whichever instance sets it first, every one reads the same.
            redis::cmd("SET")
                .arg(&key)
                .arg(start)
                .arg("NX")
                .query_async::<Option<()>>(&mut conn)
                .await?;
            let epoch: Option<u64> = redis::cmd("GET").arg(&key).query_async(&mut conn).await?;
            epoch.ok_or_else(|| anyhow::anyhow!("{key} vanished after it was set"))
        })
        .await
    }

    /// Bumps the epoch of `name`: every login made before ends, on every instance.
    pub(super) async fn bump(pool: &Pool, name: &str) -> anyhow::Result<()> {
        within(async {
            let mut conn = pool.get().await?;
            redis::cmd("INCR")
                .arg(key(name))
                .query_async::<u64>(&mut conn)
                .await?;
            Ok(())
        })
        .await
    }
}

fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}
