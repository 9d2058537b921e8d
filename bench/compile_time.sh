#!/usr/bin/env bash
# Compile time of the checkpoint attributes, by handler shape: for each shape, a throwaway crate
# of HANDLERS checkpointed handlers and one of the same handlers with the check written by hand
# (a `Session` argument, `session.get`, 403), in one throwaway workspace (dependencies built
# once), each crate rebuilt from clean without incremental cache.
#
#   bench/compile_time.sh [HANDLERS] [RUNS] [SHAPE...]
#
# Shapes (default: all), each handler `#[get("/hN/{id}")]` (or `#[post]`) with its own value:
#   none          no arguments, #[checkpoint(session_key = "role", values = "roleN")]
#   path          web::Path<u32>, the same checkpoint
#   path_json     web::Path<u32> + web::Json<Note> (POST), the same checkpoint
#   data_session  web::Data<AppState> + Session, the same checkpoint
#   stacked       web::Path<u32> under three stacked checkpoints
#   login_path    #[login_required] + CurrentUser<User> + web::Path<u32>, against an
#                 Option<Identity> check and the same user lookup
#   path_checked_first  web::Path<u32>, the same checkpoint, against a hand-written handler
#                 with the same order as the attribute's: the session check, then the
#                 extraction of the Path (awaited), then the body
#   path_json_checked_first, data_session_checked_first, login_path_checked_first  the same
#                 for path_json, data_session and login_path: the check (for login_path the
#                 identity and the user's look-up), then the extraction of the handler's
#                 arguments, then the body
#
# Rounds are interleaved (every crate once per round, the order of each pair alternating), and
# each build's wall time and CPU time (user + system, rustc included) recorded; printed: the
# medians of RUNS and their ratios. CPU time is far less disturbed by other load than wall time.
# With LLVM_LINES=1, also the lines of LLVM IR each crate generates (`cargo llvm-lines`, from
# crates.io; installed when missing): a count that no other load on the machine disturbs. RUNS
# may be 0 for that alone. With INSTRUCTIONS=1, also the instructions rustc executes to build
# each crate (its macros included), counted under valgrind's cachegrind: as exact, and closer to
# the CPU time a user waits for (about 3 minutes a crate). With CLEAN=1, first a clean build of
# the `none` pair with all dependencies, each from an empty target directory (what the crates
# add to a fresh build).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
handlers="${1:-200}"
runs="${2:-5}"
shift $(($# < 2 ? $# : 2))
shapes=("$@")
[ ${#shapes[@]} -eq 0 ] && shapes=(none path path_json data_session stacked login_path)
# The clean builds are of the `none` pair.
[ "${CLEAN:-0}" = 1 ] && [[ " ${shapes[*]} " != *" none "* ]] && shapes=(none "${shapes[@]}")
# WORK=DIR keeps the generated workspace there (for a closer look); a temp dir otherwise.
if [ -n "${WORK:-}" ]; then
    work="$WORK"
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi

# The handler N of a shape, checkpointed (kind `checkpoint`) or checked by hand.
handler() { # shape kind N
    local shape=$1 kind=$2 i=$3
    local check="#[checkpoint(session_key = \"role\", values = \"role$i\")]"
    local by_hand="    if !matches!(session.get::<String>(\"role\"), Ok(Some(role)) if role == \"role$i\") {
        return HttpResponse::Forbidden().finish();
    }"
    case "$shape/$kind" in
    none/checkpoint) cat <<RS
#[get("/h$i")]
$check
pub async fn handler_$i() -> HttpResponse {
    HttpResponse::Ok().body("$i")
}
RS
        ;;
    none/hand_written) cat <<RS
#[get("/h$i")]
pub async fn handler_$i(session: Session) -> HttpResponse {
$by_hand
    HttpResponse::Ok().body("$i")
}
RS
        ;;
    path/checkpoint) cat <<RS
#[get("/h$i/{id}")]
$check
pub async fn handler_$i(id: web::Path<u32>) -> HttpResponse {
    HttpResponse::Ok().body(id.to_string())
}
RS
        ;;
    path/hand_written) cat <<RS
#[get("/h$i/{id}")]
pub async fn handler_$i(id: web::Path<u32>, session: Session) -> HttpResponse {
$by_hand
    HttpResponse::Ok().body(id.to_string())
}
RS
        ;;
    path_json/checkpoint) cat <<RS
#[post("/h$i/{id}")]
$check
pub async fn handler_$i(id: web::Path<u32>, note: web::Json<Note>) -> HttpResponse {
    HttpResponse::Ok().body(format!("{id} {}", note.title))
}
RS
        ;;
    path_json/hand_written) cat <<RS
#[post("/h$i/{id}")]
pub async fn handler_$i(id: web::Path<u32>, note: web::Json<Note>, session: Session) -> HttpResponse {
$by_hand
    HttpResponse::Ok().body(format!("{id} {}", note.title))
}
RS
        ;;
    data_session/checkpoint) cat <<RS
#[get("/h$i")]
$check
pub async fn handler_$i(state: web::Data<AppState>, session: Session) -> HttpResponse {
    HttpResponse::Ok().body(format!("{} {}", state.name, session.entries().len()))
}
RS
        ;;
    data_session/hand_written) cat <<RS
#[get("/h$i")]
pub async fn handler_$i(state: web::Data<AppState>, session: Session) -> HttpResponse {
$by_hand
    HttpResponse::Ok().body(format!("{} {}", state.name, session.entries().len()))
}
RS
        ;;
    stacked/checkpoint) cat <<RS
#[get("/h$i/{id}")]
#[checkpoint(session_key = "logged_in", values = true)]
$check
#[checkpoint(session_key = "plan", values = ["pro", "team"])]
pub async fn handler_$i(id: web::Path<u32>) -> HttpResponse {
    HttpResponse::Ok().body(id.to_string())
}
RS
        ;;
    stacked/hand_written) cat <<RS
#[get("/h$i/{id}")]
pub async fn handler_$i(id: web::Path<u32>, session: Session) -> HttpResponse {
    if !matches!(session.get::<bool>("logged_in"), Ok(Some(true))) {
        return HttpResponse::Forbidden().finish();
    }
$by_hand
    if !matches!(session.get::<String>("plan"),
                 Ok(Some(plan)) if ["pro", "team"].contains(&plan.as_str())) {
        return HttpResponse::Forbidden().finish();
    }
    HttpResponse::Ok().body(id.to_string())
}
RS
        ;;
    path_checked_first/checkpoint) handler path checkpoint "$i" ;;
    path_checked_first/hand_written) cat <<RS
#[get("/h$i/{id}")]
pub async fn handler_$i(req: HttpRequest) -> HttpResponse {
    let session = req.get_session();
$by_hand
    let id = match web::Path::<u32>::extract(&req).await {
        Ok(id) => id,
        Err(error) => return error.error_response(),
    };
    HttpResponse::Ok().body(id.to_string())
}
RS
        ;;
    path_json_checked_first/checkpoint) handler path_json checkpoint "$i" ;;
    path_json_checked_first/hand_written) cat <<RS
#[post("/h$i/{id}")]
pub async fn handler_$i(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let session = req.get_session();
$by_hand
    let mut payload = payload.into_inner();
    let (id, note) =
        match <(web::Path<u32>, web::Json<Note>)>::from_request(&req, &mut payload).await {
            Ok(arguments) => arguments,
            Err(error) => return error.error_response(),
        };
    HttpResponse::Ok().body(format!("{id} {}", note.title))
}
RS
        ;;
    data_session_checked_first/checkpoint) handler data_session checkpoint "$i" ;;
    data_session_checked_first/hand_written) cat <<RS
#[get("/h$i")]
pub async fn handler_$i(req: HttpRequest) -> HttpResponse {
    let session = req.get_session();
$by_hand
    let (state, session) = match <(web::Data<AppState>, Session)>::extract(&req).await {
        Ok(arguments) => arguments,
        Err(error) => return error.error_response(),
    };
    HttpResponse::Ok().body(format!("{} {}", state.name, session.entries().len()))
}
RS
        ;;
    login_path_checked_first/checkpoint) handler login_path checkpoint "$i" ;;
    login_path_checked_first/hand_written) cat <<RS
#[get("/h$i/{id}")]
pub async fn handler_$i(req: HttpRequest) -> HttpResponse {
    let identity = req.get_identity().ok();
    let Some(user) = identity.and_then(|identity| identity.id().ok()).and_then(find_user) else {
        return HttpResponse::Unauthorized().finish();
    };
    let id = match web::Path::<u32>::extract(&req).await {
        Ok(id) => id,
        Err(error) => return error.error_response(),
    };
    HttpResponse::Ok().body(format!("{} {id}", user.name))
}
RS
        ;;
    login_path/checkpoint) cat <<RS
#[get("/h$i/{id}")]
#[login_required]
pub async fn handler_$i(user: CurrentUser<User>, id: web::Path<u32>) -> HttpResponse {
    HttpResponse::Ok().body(format!("{} {id}", user.name))
}
RS
        ;;
    login_path/hand_written) cat <<RS
#[get("/h$i/{id}")]
pub async fn handler_$i(identity: Option<Identity>, id: web::Path<u32>) -> HttpResponse {
    let Some(user) = identity.and_then(|identity| identity.id().ok()).and_then(find_user) else {
        return HttpResponse::Unauthorized().finish();
    };
    HttpResponse::Ok().body(format!("{} {id}", user.name))
}
RS
        ;;
    *)
        echo "unknown shape: $shape" >&2
        exit 2
        ;;
    esac
}

generate() { # shape kind
    local name="$2_$1" dir="$work/$2_$1"
    mkdir -p "$dir/src"
    local runtime=""
    [ "$2" = checkpoint ] && runtime="checkpoint-runtime = { path = \"$repo/checkpoint-runtime\" }"
    cat >"$dir/Cargo.toml" <<TOML
[package]
name = "$name"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
actix-web = "4.18"
actix-session = "0.11"
actix-identity = "0.9"
serde = { version = "1", features = ["derive"] }
$runtime
TOML
    {
        echo "#![allow(unused_imports)]"
        echo "use actix_web::{get, post, web, HttpResponse};"
        echo "use actix_web::{FromRequest, HttpRequest};"
        echo "use actix_session::{Session, SessionExt};"
        echo "use actix_identity::{Identity, IdentityExt};"
        [ "$2" = checkpoint ] && echo "use checkpoint_runtime::{checkpoint, login_required, CurrentUser};"
        cat <<'RS'
#[derive(serde::Deserialize)]
pub struct Note {
    pub title: String,
}
pub struct AppState {
    pub name: String,
}
pub struct User {
    pub name: String,
}
pub fn find_user(id: String) -> Option<User> {
    (id == "ada").then_some(User { name: id })
}
RS
        for i in $(seq 1 "$handlers"); do handler "$1" "$2" "$i"; done
        echo "pub fn routes(cfg: &mut web::ServiceConfig) {"
        for i in $(seq 1 "$handlers"); do echo "    cfg.service(handler_$i);"; done
        echo "}"
    } >"$dir/src/lib.rs"
}

# Builds `crate` and prints its wall and CPU seconds (user + system, children included).
build() { # crate target-dir
    local TIMEFORMAT='%R %U %S' timing
    timing=$({ time (cd "$work" && CARGO_INCREMENTAL=0 CARGO_TARGET_DIR="$2" \
        cargo build --quiet -p "$1" >/dev/null); } 2>&1)
    awk '{ printf "%.2f %.2f", $1, $2 + $3 }' <<<"$timing"
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

members=()
for shape in "${shapes[@]}"; do
    for kind in hand_written checkpoint; do
        generate "$shape" "$kind"
        members+=("\"${kind}_$shape\"")
    done
done
(IFS=,; printf '[workspace]\nresolver = "2"\nmembers = [%s]\n' "${members[*]}") >"$work/Cargo.toml"
# Resolve against the repository's lock file, so the crates build what the repo tests.
cp "$repo/Cargo.lock" "$work/Cargo.lock"

echo "$handlers handlers a crate; $runs rounds; $(nproc) cores; cargo $(cargo --version | cut -d' ' -f2)"
if [ "${CLEAN:-0}" = 1 ]; then
    # An unmeasured first build, so that neither measured one pays for a cold file cache.
    build hand_written_none "$work/target-warm-up" >/dev/null
    rm -rf "$work/target-warm-up"
    for kind in hand_written checkpoint; do
        read -r wall cpu <<<"$(build "${kind}_none" "$work/target-clean-$kind")"
        echo "clean build of ${kind}_none with all dependencies: ${wall} s wall, ${cpu} s CPU"
        rm -rf "$work/target-clean-$kind"
    done
fi

target="$work/target"
for shape in "${shapes[@]}"; do
    for kind in hand_written checkpoint; do build "${kind}_$shape" "$target" >/dev/null; done
done
declare -A wall cpu lines
for round in $(seq 1 "$runs"); do
    for shape in "${shapes[@]}"; do
        order="hand_written checkpoint"
        [ $((round % 2)) -eq 0 ] && order="checkpoint hand_written"
        for kind in $order; do
            crate="${kind}_$shape"
            (cd "$work" && CARGO_TARGET_DIR="$target" cargo clean --quiet -p "$crate")
            read -r w c <<<"$(build "$crate" "$target")"
            wall[$crate]="${wall[$crate]:-} $w"
            cpu[$crate]="${cpu[$crate]:-} $c"
        done
    done
done

if [ "${LLVM_LINES:-0}" = 1 ]; then
    command -v cargo-llvm-lines >/dev/null || cargo install --locked cargo-llvm-lines
    printf '%-14s %14s %14s %8s\n' shape "hand-written" checkpointed ratio
    for shape in "${shapes[@]}"; do
        for kind in hand_written checkpoint; do
            lines[$kind]=$(cd "$work" && CARGO_TARGET_DIR="$target" cargo llvm-lines --quiet \
                -p "${kind}_$shape" 2>/dev/null | awk '/\(TOTAL\)/ { print $1 }')
        done
        printf '%-14s %14s %14s %8.3f\n' "$shape" "${lines[hand_written]}" \
            "${lines[checkpoint]}" "$(awk -v a="${lines[checkpoint]}" -v b="${lines[hand_written]}" 'BEGIN { print a / b }')"
    done
fi
if [ "${INSTRUCTIONS:-0}" = 1 ]; then
    # rustc's own instructions for each crate under cachegrind: a count that no other load on
    # the machine disturbs, the compiler's work whatever the machine's state, macros included.
    command -v valgrind >/dev/null || { echo "INSTRUCTIONS=1 needs valgrind" >&2; exit 2; }
    cat >"$work/cachegrind-rustc" <<'SH'
#!/usr/bin/env bash
# cargo's RUSTC_WRAPPER: rustc under cachegrind for the crate $MEASURED_CRATE, plain for the rest.
rustc=$1
shift
case " $* " in
*" --crate-name $MEASURED_CRATE "*)
    exec valgrind --tool=cachegrind --cache-sim=no --log-file="$MEASURED_OUT/log.%p" \
        --cachegrind-out-file="$MEASURED_OUT/cg.%p" "$rustc" "$@" ;;
esac
exec "$rustc" "$@"
SH
    chmod +x "$work/cachegrind-rustc"
    declare -A instructions
    printf '%-14s %16s %16s %8s\n' shape "hand-written Ir" "checkpointed Ir" ratio
    for shape in "${shapes[@]}"; do
        for kind in hand_written checkpoint; do
            crate="${kind}_$shape"
            out=$(mktemp -d)
            (cd "$work" && CARGO_TARGET_DIR="$target" cargo clean --quiet -p "$crate")
            (cd "$work" && CARGO_INCREMENTAL=0 CARGO_TARGET_DIR="$target" \
                RUSTC_WRAPPER="$work/cachegrind-rustc" MEASURED_CRATE="$crate" MEASURED_OUT="$out" \
                cargo build --quiet -p "$crate" >/dev/null)
            instructions[$kind]=$(cat "$out"/cg.* | awk '/^summary:/ { total += $2 } END { printf "%.0f", total }')
            rm -rf "$out"
        done
        printf '%-14s %16s %16s %8.4f\n' "$shape" "${instructions[hand_written]}" \
            "${instructions[checkpoint]}" \
            "$(awk -v a="${instructions[checkpoint]}" -v b="${instructions[hand_written]}" 'BEGIN { print a / b }')"
    done
fi
[ "$runs" -eq 0 ] && exit 0
printf '%-14s %26s %26s %8s %8s\n' shape "hand-written wall / CPU" "checkpointed wall / CPU" wall CPU
for shape in "${shapes[@]}"; do
    hw=$(median <<<"${wall[hand_written_$shape]}")
    hc=$(median <<<"${cpu[hand_written_$shape]}")
    cw=$(median <<<"${wall[checkpoint_$shape]}")
    cc=$(median <<<"${cpu[checkpoint_$shape]}")
    printf '%-14s %12ss / %9ss %12ss / %9ss %8.3f %8.3f\n' "$shape" "$hw" "$hc" "$cw" "$cc" \
        "$(awk -v a="$cw" -v b="$hw" 'BEGIN { print a / b }')" \
        "$(awk -v a="$cc" -v b="$hc" 'BEGIN { print a / b }')"
done
echo "every build (wall seconds | CPU seconds):"
for shape in "${shapes[@]}"; do
    for kind in hand_written checkpoint; do
        echo "  ${kind}_$shape:${wall[${kind}_$shape]} |${cpu[${kind}_$shape]}"
    done
done
