//! Code generation: one wrapper around the handler for the whole checkpoint stack.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::{spanned::Spanned, Attribute, Expr, GenericParam, Ident, ItemFn, LitStr, Meta, Path};

use crate::model::{
    ActionSpec, AllowedLit, CheckSpec, CheckpointSpec, Combination, JsonText, KeyLocation, Operand,
    PublicSpec, Runtime, SessionSpec, TargetSpec,
};

/// The wrapper: a function with the handler's name, visibility and `attrs`, taking only the
/// request (and the unread payload, when something may read it), that enforces `stack` top to
/// bottom and then calls the handler, kept intact as an inner function.
///
/// Its shapes ([`Shape`]). A handler without arguments behind checkpoints that never wait
/// (session checkpoints) gets a plain `fn`: it runs the checkpoints when called and returns a
/// `Guarded`, the refusal or the handler's own future. Any other `async` handler gets an
/// `async fn` that runs (or awaits) the checkpoints, extracts the arguments (`extract`, generic
/// over the arguments alone) and runs the handler's body in place, one state machine as a
/// hand-written handler has; a body that may `return` or `?` early runs as an `async` block
/// told the handler's return type. Where that type cannot be named (an `impl Trait` in a body
/// that returns early) or the handler is not `async`, the wrapper is an `async fn` that runs
/// the checkpoints and calls the handler, kept as an inner function, through `call_handler`.
///
/// Every path into the runtime starts with `runtime` (`::checkpoint_runtime` unless the stack
/// says `crate = ...`), and the session probe, a `static`, is emitted only for a stack that may
/// touch the session.
pub(crate) fn wrapper(
    handler: ItemFn,
    attrs: Vec<Attribute>,
    stack: &[CheckpointSpec],
    stacked_paths: &[&Path],
    runtime: &Runtime,
) -> TokenStream {
    let ItemFn {
        vis, sig, block, ..
    } = handler;
    let rt = runtime.path();
    let private = quote!(#rt::__private);
    let reads_session = stack.iter().any(reads_session);
    let expansion = Expansion {
        rt: runtime,
        probe: if reads_session {
            quote!(&__CHECKPOINT_SESSION_PROBE)
        } else {
            // Nothing here reads the session: a probe that is never asked.
            quote!(&#private::SessionProbe::new())
        },
    };

    let mut inner_sig = sig.clone();
    inner_sig.ident = format_ident!("__checkpoint_handler", span = sig.ident.span());
    let inner_name = &inner_sig.ident;
    let turbofish = {
        let params: Vec<TokenStream> = sig
            .generics
            .params
            .iter()
            .filter_map(|param| match param {
                GenericParam::Type(ty) => Some(ty.ident.to_token_stream()),
                GenericParam::Const(constant) => Some(constant.ident.to_token_stream()),
                GenericParam::Lifetime(_) => None,
            })
            .collect();
        if params.is_empty() {
            quote!()
        } else {
            quote!(::<#(#params),*>)
        }
    };

    let output = match &sig.output {
        syn::ReturnType::Default => quote!(()),
        syn::ReturnType::Type(_, ty) => ty.to_token_stream(),
    };
    let waits = !stack.iter().all(never_waits);
    let returns_early = may_return_early(&block.to_token_stream());
    // The body can run in the wrapper when it is an `async fn`'s, and its return type can be
    // named for it if it may return early (an `impl Trait` cannot be).
    let body_runs_inline =
        inner_sig.asyncness.is_some() && !(returns_early && mentions_impl(&output));
    let shape = if !waits && inner_sig.inputs.is_empty() {
        Shape::Immediate
    } else if body_runs_inline {
        Shape::Extracting
    } else {
        Shape::Awaiting
    };
    let mut outer_sig = sig;
    let refuse = match shape {
        Shape::Immediate => {
            // Neither the checks nor the handler read the body: the request is all it takes.
            outer_sig.inputs = syn::parse_quote!(__checkpoint_request: #private::HttpRequest);
            outer_sig.asyncness = None;
            outer_sig.output = syn::parse_quote!(
                -> #private::Guarded<impl ::core::future::Future<Output = #output>>
            );
            quote!(#private::Guarded::refused)
        }
        Shape::Extracting | Shape::Awaiting => {
            outer_sig.inputs = syn::parse_quote!(
                __checkpoint_request: #private::HttpRequest,
                __checkpoint_payload: #private::Payload
            );
            outer_sig.output =
                syn::parse_quote!(-> #private::Either<#private::HttpResponse, #output>);
            quote!(#private::Either::Left)
        }
    };

    // A `#[login_required]` last in the stack, before arguments to extract, is awaited with
    // their extraction in one runtime future (`enforce_then_extract`, generic over the check's
    // type and the arguments alone, so shared by the handlers that take the same ones): the
    // wrapper's state machine then waits at one point, not two.
    let (enforced, fused_login) = match (shape, stack.split_last()) {
        (Shape::Extracting, Some((CheckpointSpec::Login { fresh, span }, above)))
            if !inner_sig.inputs.is_empty() =>
        {
            (above, Some(expansion.login_check(*fresh, *span)))
        }
        _ => (stack, None),
    };
    let checks = expansion.enforcements(enforced).into_iter().map(|enforce| {
        quote! {
            if let #private::ControlFlow::Break(__checkpoint_response) = #enforce {
                return #refuse(__checkpoint_response);
            }
        }
    });

    // A call that extracts the handler's arguments is spanned on the handler's name, so that an
    // argument that is not an extractor is reported there rather than on the whole attribute;
    // the wrapper's own locals keep its hygiene.
    let span = inner_name.span();
    let dot_await = quote_spanned!(span=> .await);
    let call = match shape {
        Shape::Immediate => quote!(#private::Guarded::running(#inner_name #turbofish())),
        Shape::Extracting => {
            let body = if returns_early {
                // A `return` or `?` in the body returns from it: an `async` block of its own,
                // told the handler's return type.
                quote!(#private::Either::Right(
                    #private::output_of::<#output, _>(async move #block).await
                ))
            } else {
                // The body runs in the wrapper, as in a handler written by hand: its statements
                // in braces of the expansion's (the handler's own would be linted as unneeded).
                let statements = &block.stmts;
                quote!(#private::Either::Right({ #(#statements)* }))
            };
            if inner_sig.inputs.is_empty() {
                body
            } else {
                let (patterns, types): (Vec<_>, Vec<_>) = inner_sig
                    .inputs
                    .iter()
                    .filter_map(|input| match input {
                        syn::FnArg::Typed(typed) => Some((&typed.pat, &typed.ty)),
                        syn::FnArg::Receiver(_) => None,
                    })
                    .unzip();
                let rt = runtime.at(span);
                let (extract, arguments) = match &fused_login {
                    Some(check) => {
                        let probe = &expansion.probe;
                        (
                            quote_spanned!(span=> #rt::__private::enforce_then_extract::<_, (#(#types,)*)>),
                            quote!(#check, &__checkpoint_request, &mut __checkpoint_payload, #probe),
                        )
                    }
                    None => (
                        quote_spanned!(span=> #rt::__private::extract::<(#(#types,)*)>),
                        quote!(&__checkpoint_request, &mut __checkpoint_payload),
                    ),
                };
                let mut arguments = Group::new(Delimiter::Parenthesis, arguments);
                arguments.set_span(span);
                quote! {
                    let (#(#patterns,)*) = match #extract #arguments #dot_await {
                        ::core::result::Result::Ok(__checkpoint_arguments) => __checkpoint_arguments,
                        ::core::result::Result::Err(__checkpoint_response) => {
                            return #private::Either::Left(__checkpoint_response);
                        }
                    };
                    #body
                }
            }
        }
        Shape::Awaiting => {
            if inner_sig.inputs.is_empty() {
                // Nothing to extract: the handler is called directly rather than through the
                // generic extraction path (cheaper to compile and to run).
                quote!(#private::Either::Right(#inner_name #turbofish() #dot_await))
            } else {
                let mut arguments = Group::new(
                    Delimiter::Parenthesis,
                    quote!(#inner_name #turbofish, __checkpoint_request, __checkpoint_payload),
                );
                arguments.set_span(span);
                let rt = runtime.at(span);
                quote_spanned!(span=> #rt::__private::call_handler #arguments #dot_await)
            }
        }
    };
    let inner = (shape != Shape::Extracting).then(|| quote!(#inner_sig #block));
    let payload = (shape != Shape::Immediate)
        .then(|| quote!(let mut __checkpoint_payload = __checkpoint_payload.into_inner();));

    // The attributes below the topmost were taken in here, never expanded: naming them marks
    // their imports as used (no `unused import` warning for a `use ...::include_csrf`).
    let probe = reads_session.then(|| {
        quote!(static __CHECKPOINT_SESSION_PROBE: #private::SessionProbe = #private::SessionProbe::new();)
    });
    let stacked_uses = stacked_paths
        .iter()
        .map(|path| quote!(#[allow(unused_imports)] use #path as _;));
    quote! {
        #(#attrs)*
        #vis #outer_sig {
            #(#stacked_uses)*
            #inner
            #probe
            #payload
            #(#checks)*
            #call
        }
    }
}

/// The wrapper's shape (see [`wrapper`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Checkpoints that never wait, a handler without arguments: a plain `fn` of the request
    /// returning a `Guarded`.
    Immediate,
    /// An `async` handler whose body can run in the wrapper (see [`wrapper`]): an `async fn` of
    /// the request and payload that runs the checkpoints, extracts the arguments and runs the
    /// handler's body, one state machine as a hand-written handler has.
    Extracting,
    /// A handler whose body cannot run in the wrapper (its return type cannot be named, or it is
    /// not `async`), behind a checkpoint that waits or with arguments: an `async fn` that runs
    /// (or awaits) the checkpoints, then calls the handler, kept as an inner function, through
    /// `call_handler`.
    Awaiting,
}

/// Whether `tokens` (a handler's body) may leave it early: a `return` or a `?` anywhere, nested
/// closures and items included (which only makes the answer cautious).
fn may_return_early(tokens: &TokenStream) -> bool {
    any_token(tokens, &|token| match token {
        proc_macro2::TokenTree::Ident(ident) => ident == "return",
        proc_macro2::TokenTree::Punct(punct) => punct.as_char() == '?',
        _ => false,
    })
}

/// Whether `tokens` (a type) mention `impl`: an `impl Trait` cannot be named as a type argument.
fn mentions_impl(tokens: &TokenStream) -> bool {
    any_token(
        tokens,
        &|token| matches!(token, proc_macro2::TokenTree::Ident(ident) if ident == "impl"),
    )
}

/// Whether any token of `tokens`, inside groups included, is one `wanted` picks.
fn any_token(tokens: &TokenStream, wanted: &dyn Fn(&proc_macro2::TokenTree) -> bool) -> bool {
    tokens.clone().into_iter().any(|token| match &token {
        proc_macro2::TokenTree::Group(group) => any_token(&group.stream(), wanted),
        _ => wanted(&token),
    })
}

/// The check and action of an inline `session_key = ..., values = ...` checkpoint, which never
/// waits; `None` for any other checkpoint.
fn session_parts(spec: &CheckpointSpec) -> Option<(&SessionSpec, &ActionSpec)> {
    match spec {
        CheckpointSpec::Inline(inline) => match &inline.check {
            CheckSpec::Session(session) => Some((session, &inline.action)),
            _ => None,
        },
        _ => None,
    }
}

/// Whether the checkpoint `spec` never waits: a session checkpoint, or a combination of
/// session checks only. Such checkpoints run without a future.
fn never_waits(spec: &CheckpointSpec) -> bool {
    match spec {
        CheckpointSpec::Inline(inline) => match &inline.check {
            CheckSpec::Session(_) => true,
            CheckSpec::Combined(combination) => sessions_only(combination),
            _ => false,
        },
        _ => false,
    }
}

/// Whether every operand of `combination`, however deep, is an inline session check.
fn sessions_only(combination: &Combination) -> bool {
    let operand_ok = |operand: &Operand| match operand {
        Operand::Check(CheckSpec::Session(_)) => true,
        Operand::Check(CheckSpec::Combined(inner)) | Operand::Combined(inner) => {
            sessions_only(inner)
        }
        Operand::Check(_) | Operand::Named(_) => false,
    };
    match combination {
        Combination::Any(operands) | Combination::All(operands) => operands.iter().all(operand_ok),
        Combination::Not(operand) => operand_ok(operand),
    }
}

/// `combinator((items...))` for a value, `combinator<(items...)>` for a type (`generic`): at
/// most eight items to a tuple, the runtime's limit, the rest nested in another `combinator`
/// past the seventh, which decides the same, in the same order.
fn nested(combinator: &TokenStream, mut items: Vec<TokenStream>, generic: bool) -> TokenStream {
    if items.len() > 8 {
        let rest = items.split_off(7);
        items.push(nested(combinator, rest, generic));
    }
    if generic {
        quote!(#combinator<(#(#items,)*)>)
    } else {
        quote!(#combinator((#(#items,)*)))
    }
}

/// Whether `spec` may read or write the session: a session, CSRF, login or named checkpoint, or
/// any checkpoint that flashes a message on a redirect.
fn reads_session(spec: &CheckpointSpec) -> bool {
    match spec {
        CheckpointSpec::Named(_) | CheckpointSpec::Login { .. } => true,
        CheckpointSpec::Public { .. } => false,
        CheckpointSpec::Inline(inline) => {
            let action = &inline.action;
            let flashes = action.message.is_some()
                && (action.fail_url.is_some() || action.pass_url.is_some());
            // A combination may hold a named checkpoint, whose check may read the session.
            flashes
                || matches!(
                    inline.check,
                    CheckSpec::Session(_) | CheckSpec::Csrf { .. } | CheckSpec::Combined(_)
                )
        }
    }
}

/// What the check of a combination needs besides itself, gathered operand by operand.
#[derive(Default)]
struct CombinationParts {
    /// What comes before the check is built: session checks as constants, named checkpoints
    /// and predicates bound to locals.
    prelude: Vec<TokenStream>,
    /// The expected keys, each a local and its value, evaluated in order before the check is
    /// built.
    keys: Vec<(Ident, TokenStream)>,
    /// How many operands so far: each one's names end in its number.
    operands: usize,
}

/// What every piece of the expansion needs: the runtime's path, and the session probe to lend
/// each checkpoint.
struct Expansion<'a> {
    rt: &'a Runtime,
    probe: TokenStream,
}

impl Expansion<'_> {
    /// The enforcements of `stack`, in order: expressions of type `ControlFlow<HttpResponse>`. A run
    /// of consecutive session checkpoints is one call (no future, one read of the session); any
    /// other checkpoint is one awaited call.
    fn enforcements(&self, stack: &[CheckpointSpec]) -> Vec<TokenStream> {
        let indexed: Vec<(usize, &CheckpointSpec)> = stack.iter().enumerate().collect();
        indexed
            .chunk_by(|(_, above), (_, below)| {
                session_parts(above).is_some() && session_parts(below).is_some()
            })
            .map(|chunk| match chunk {
                [(index, spec)] => self.enforcement(*index, spec),
                run => {
                    let run: Vec<_> = run
                        .iter()
                        .filter_map(|(index, spec)| {
                            session_parts(spec).map(|(session, action)| (*index, session, action))
                        })
                        .collect();
                    self.session_run(&run)
                }
            })
            .collect()
    }

    /// The enforcement of the checkpoint `spec`, at `index` of the stack.
    fn enforcement(&self, index: usize, spec: &CheckpointSpec) -> TokenStream {
        match spec {
            CheckpointSpec::Inline(inline) => {
                self.inline_checkpoint(index, &inline.check, &inline.action)
            }
            CheckpointSpec::Named(path) => self.named_checkpoint(path),
            CheckpointSpec::Login { fresh, span } => self.login_enforcement(*fresh, *span),
            // Nothing to enforce (the stack holds none by now: the route is registered instead).
            CheckpointSpec::Public { .. } => {
                let rt = self.rt.path();
                quote!(#rt::__private::ControlFlow::<#rt::__private::HttpResponse>::Continue(()))
            }
        }
    }

    /// The enforcement of consecutive session checkpoints (index in the stack, check, action): one
    /// call, reading the session once.
    fn session_run(&self, run: &[(usize, &SessionSpec, &ActionSpec)]) -> TokenStream {
        let rt = self.rt.path();
        let names: Vec<_> = run
            .iter()
            .map(|(index, ..)| format_ident!("__CHECKPOINT_{}", index))
            .collect();
        let probe = &self.probe;
        let values = run
            .iter()
            .map(|(_, session, action)| self.session_checkpoint(session, action));
        quote! {{
            #(const #names: #rt::SessionCheckpoint = #values;)*
            #rt::__private::enforce_sessions(&[#(&#names),*], &__checkpoint_request, #probe)
        }}
    }

    /// The enforcement of `#[login_required]` (or, when `fresh`, `#[fresh_login_required]`) written
    /// at `span`. The check is named through a runtime macro, which is a compile error (at `span`)
    /// when the runtime's `login` feature is off.
    fn login_enforcement(&self, fresh: bool, span: Span) -> TokenStream {
        self.enforce_call(self.login_check(fresh, span), Span::call_site())
    }

    /// `&LoginRequired::LOGGED_IN` (or `FRESH`), named at `span` through a runtime macro, which
    /// is a compile error (at `span`) when the runtime's `login` feature is off.
    fn login_check(&self, fresh: bool, span: Span) -> TokenStream {
        let which = if fresh {
            quote!(FRESH)
        } else {
            quote!(LOGGED_IN)
        };
        let rt = self.rt.at(span);
        let check = quote_spanned!(span=> #rt::__private::login_required!(#which));
        quote!(&#check)
    }

    /// The enforcement of `#[checkpoint(NAME)]`, through a runtime trait implemented only by
    /// checkpoints (and references to them): a value of another type is reported once, on `NAME`,
    /// rather than as a type mismatch inside the expansion.
    fn named_checkpoint(&self, path: &Path) -> TokenStream {
        let span = path.span();
        self.enforce_call(quote_spanned!(span=> &#path), span)
    }

    /// `Enforce::enforce_with(checkpoint, <the wrapper's request, payload and probe>).await`, the
    /// call spanned at `span`. The wrapper's locals keep the wrapper's hygiene (not `span`'s, which
    /// may be the user's), so that they resolve when the handler is written by a `macro_rules!`
    /// macro.
    fn enforce_call(&self, checkpoint: TokenStream, span: Span) -> TokenStream {
        let rt = self.rt.at(span);
        let function = quote_spanned!(span=> #rt::__private::Enforce::enforce_with);
        let probe = &self.probe;
        let mut arguments = Group::new(
            Delimiter::Parenthesis,
            quote!(#checkpoint, &__checkpoint_request, &mut __checkpoint_payload, #probe),
        );
        arguments.set_span(span);
        let dot_await = quote_spanned!(span=> .await);
        quote!(#function #arguments #dot_await)
    }

    fn session_checkpoint(&self, spec: &SessionSpec, action: &ActionSpec) -> TokenStream {
        self.checkpoint(self.session_check(spec), action)
    }

    /// The checkpoint of `check` and `action`, a constant expression. The default action is
    /// left to `with_check`: every call less is less for the compiler to evaluate, once per
    /// checkpointed handler.
    fn checkpoint(&self, check: TokenStream, action: &ActionSpec) -> TokenStream {
        let rt = self.rt.path();
        if action.is_default() {
            return quote!(#rt::Checkpoint::with_check(#check));
        }
        let action = self.action(action, None);
        quote!(#rt::Checkpoint::with_check(#check).action(#action))
    }

    /// The `SessionCheck` of `spec`, a constant expression.
    fn session_check(&self, spec: &SessionSpec) -> TokenStream {
        let rt = self.rt.path();
        let key = &spec.session_key;
        let values = spec.values.iter().map(|value| match value {
            AllowedLit::Bool(flag) => quote!(#rt::AllowedValue::Bool(#flag)),
            AllowedLit::Int(int) => quote!(#rt::AllowedValue::Int(#int)),
            AllowedLit::Str(text) => quote!(#rt::AllowedValue::Str(#text)),
        });
        quote!(#rt::SessionCheck::new(#key, &[#(#values),*]))
    }

    /// `#[include_csrf(...)]` as a constant: only the keys given are set, and the failure status is
    /// the CSRF check's own unless `fail_status` is given.
    fn csrf_checkpoint(
        &self,
        session_key: Option<&LitStr>,
        form_key: Option<&LitStr>,
        action: &ActionSpec,
    ) -> TokenStream {
        let rt = self.rt.path();
        let mut check = quote!(#rt::CsrfCheck::new());
        if let Some(key) = session_key {
            check.extend(quote!(.session_key(#key)));
        }
        if let Some(key) = form_key {
            check.extend(quote!(.form_key(#key)));
        }
        let action = self.action(action, Some(quote!(#rt::CsrfCheck::FAIL_STATUS)));
        quote!(#rt::Checkpoint::with_check(#check).action(#action))
    }

    /// The enforcement of the inline checkpoint at `index` of the stack.
    fn inline_checkpoint(
        &self,
        index: usize,
        check: &CheckSpec,
        action: &ActionSpec,
    ) -> TokenStream {
        let rt = self.rt.path();
        let name = format_ident!("__CHECKPOINT_{}", index);
        match check {
            CheckSpec::Session(session) => self.session_run(&[(index, session, action)]),
            CheckSpec::Csrf {
                session_key,
                form_key,
                span,
            } => {
                let value = self.csrf_checkpoint(session_key.as_ref(), form_key.as_ref(), action);
                let enforce = self.enforce_call(quote!(&#name), Span::call_site());
                // Passed through a runtime macro, which is a compile error (at the attribute)
                // instead when the runtime's `csrf` feature is off.
                let at = self.rt.at(*span);
                let gate = quote_spanned!(*span=> #at::__private::include_csrf!);
                let mut enforcement = Group::new(
                    Delimiter::Parenthesis,
                    quote! {{
                        const #name: #rt::Checkpoint<#rt::CsrfCheck> = #value;
                        #enforce
                    }},
                );
                enforcement.set_span(*span);
                quote!(#gate #enforcement)
            }
            CheckSpec::ApiKey { expr, location } => {
                let (local, value, key) = self.expected_key(&index.to_string(), expr);
                let check = self.api_key_check(location, &key);
                let checkpoint = self.evaluated_checkpoint(index, check, Span::call_site(), action);
                self.with_expected_key(&local, &value, &checkpoint)
            }
            CheckSpec::Bearer { expr } => {
                let (local, value, key) = self.expected_key(&index.to_string(), expr);
                let check = quote!(#rt::BearerCheck::new(#key));
                let checkpoint = self.evaluated_checkpoint(index, check, Span::call_site(), action);
                self.with_expected_key(&local, &value, &checkpoint)
            }
            CheckSpec::Predicate { path } => {
                let (binding, check, name) = self.predicate_check(&index.to_string(), path);
                let checkpoint = self.evaluated_checkpoint(index, check, name, action);
                quote! {{
                    #binding
                    #checkpoint
                }}
            }
            CheckSpec::Combined(combination) if sessions_only(combination) => {
                // Decided from the session alone: a constant, enforced without a future.
                let mut parts = CombinationParts::default();
                let check = self.combination(index, combination, &mut parts);
                let ty = self.combination_type(combination);
                let checkpoint = self.checkpoint(check, action);
                let prelude = parts.prelude;
                let probe = &self.probe;
                quote! {{
                    #(#prelude)*
                    const #name: #rt::Checkpoint<#ty> = #checkpoint;
                    #rt::__private::enforce_session_combination(&#name, &__checkpoint_request, #probe)
                }}
            }
            CheckSpec::Combined(combination) => {
                let mut parts = CombinationParts::default();
                let check = self.combination(index, combination, &mut parts);
                let checkpoint = self.evaluated_checkpoint(index, check, Span::call_site(), action);
                // Every expected key is evaluated, in the order written, before the check runs.
                let enforcement = parts
                    .keys
                    .iter()
                    .rev()
                    .fold(checkpoint, |inner, (local, value)| {
                        self.with_expected_key(local, value, &inner)
                    });
                let prelude = parts.prelude;
                quote! {{
                    #(#prelude)*
                    #enforcement
                }}
            }
        }
    }

    /// The type of the check of `combination`, made of session checks only.
    fn combination_type(&self, combination: &Combination) -> TokenStream {
        let rt = self.rt.path();
        let operand_type = |operand: &Operand| match operand {
            Operand::Check(CheckSpec::Combined(inner)) | Operand::Combined(inner) => {
                self.combination_type(inner)
            }
            _ => quote!(#rt::SessionCheck),
        };
        match combination {
            Combination::Not(operand) => {
                let ty = operand_type(operand);
                quote!(#rt::Not<#ty>)
            }
            Combination::Any(operands) => nested(
                &quote!(#rt::AnyOf),
                operands.iter().map(operand_type).collect(),
                true,
            ),
            Combination::All(operands) => nested(
                &quote!(#rt::AllOf),
                operands.iter().map(operand_type).collect(),
                true,
            ),
        }
    }

    /// The check of `combination`, part of the inline checkpoint at `index` of the stack, with
    /// what it needs gathered in `parts`.
    fn combination(
        &self,
        index: usize,
        combination: &Combination,
        parts: &mut CombinationParts,
    ) -> TokenStream {
        let rt = self.rt.path();
        let (combinator, operands) = match combination {
            Combination::Not(operand) => {
                let operand = self.operand(index, operand, parts);
                return quote!(#rt::Not(#operand));
            }
            Combination::Any(operands) => (quote!(#rt::AnyOf), operands),
            Combination::All(operands) => (quote!(#rt::AllOf), operands),
        };
        let operands: Vec<TokenStream> = operands
            .iter()
            .map(|operand| self.operand(index, operand, parts))
            .collect();
        nested(&combinator, operands, false)
    }

    /// The check of one operand of a combination.
    fn operand(
        &self,
        index: usize,
        operand: &Operand,
        parts: &mut CombinationParts,
    ) -> TokenStream {
        let rt = self.rt.path();
        let id = format!("{index}_{}", parts.operands);
        parts.operands += 1;
        let check = match operand {
            Operand::Combined(combination) => return self.combination(index, combination, parts),
            Operand::Named(path) => {
                // Bound first, so that the checkpoint lives as long as the check borrowing it.
                let span = path.span();
                // Named, where bound and where used, with the user's hygiene (`span`'s).
                let local = format_ident!("__checkpoint_operand_{}", id, span = span);
                parts
                    .prelude
                    .push(quote_spanned!(span=> let #local = &#path;));
                let rt = self.rt.at(span);
                let function = quote_spanned!(span=> #rt::__private::operand);
                let mut argument = Group::new(Delimiter::Parenthesis, quote!(#local));
                argument.set_span(span);
                return quote!(#function #argument);
            }
            Operand::Check(check) => check,
        };
        match check {
            CheckSpec::Session(session) => {
                let name = format_ident!("__CHECKPOINT_OPERAND_{}", id);
                let value = self.session_check(session);
                parts
                    .prelude
                    .push(quote!(const #name: #rt::SessionCheck = #value;));
                quote!(#name)
            }
            CheckSpec::ApiKey { expr, location } => {
                let (local, value, key) = self.expected_key(&id, expr);
                parts.keys.push((local, value));
                self.api_key_check(location, &key)
            }
            CheckSpec::Bearer { expr } => {
                let (local, value, key) = self.expected_key(&id, expr);
                parts.keys.push((local, value));
                quote!(#rt::BearerCheck::new(#key))
            }
            CheckSpec::Predicate { path } => {
                let (binding, check, _) = self.predicate_check(&id, path);
                parts.prelude.push(binding);
                check
            }
            CheckSpec::Combined(combination) => self.combination(index, combination, parts),
            // Validation takes no CSRF check into a combination.
            CheckSpec::Csrf { span, .. } => quote_spanned! {*span=>
                ::core::compile_error!("a CSRF check cannot be an operand: stack `#[include_csrf]`")
            },
        }
    }

    /// The `ApiKeyCheck` reading `key` where `location` says.
    fn api_key_check(&self, location: &KeyLocation, key: &TokenStream) -> TokenStream {
        let rt = self.rt.path();
        match location {
            KeyLocation::Header(name) => quote!(#rt::ApiKeyCheck::header(#name, #key)),
            KeyLocation::Query(name) => quote!(#rt::ApiKeyCheck::query(#name, #key)),
        }
    }

    /// The custom check calling the function at `path`: the statement binding the function to a
    /// local (named with `id`), the check, and the span of the function's name.
    ///
    /// What makes a function a predicate (`bool` output, extractor arguments) is checked where
    /// the check is built and enforced: all spanned on the function's name, every error about it
    /// is reported once, there. The path itself is resolved on its own.
    fn predicate_check(&self, id: &str, path: &Path) -> (TokenStream, TokenStream, Span) {
        let name = path
            .segments
            .last()
            .map_or_else(|| path.span(), |segment| segment.ident.span());
        // Named, where defined and where used, with the user's hygiene (`name`'s).
        let local = format_ident!("__checkpoint_predicate_{}", id, span = name);
        let rt = self.rt.at(name);
        let check = quote_spanned!(name=> #rt::PredicateCheck::new(#local));
        (quote!(let #local = #path;), check, name)
    }

    /// The expected key of `api_key` or `bearer`: the local it is evaluated into on each request
    /// (named with `id`), the value that local takes (the expression, evaluated so that a panic
    /// in it answers a logged `500`), and the key lent to the check as a `&str`. That the
    /// expression is a string (`ExpectedKey`, implemented for `AsRef<str>`) is required in one
    /// place, reported once, under the whole expression (spanned from its first to its last
    /// token), with a note on what to write; the check's type does not depend on the
    /// expression's.
    fn expected_key(&self, id: &str, expr: &Expr) -> (Ident, TokenStream, TokenStream) {
        let mut tokens = expr.to_token_stream().into_iter();
        let first = tokens
            .next()
            .map_or_else(Span::call_site, |token| token.span());
        let last = tokens.last().map_or(first, |token| token.span());
        // Named, where defined and where used, with the user's hygiene (`last`'s).
        let local = format_ident!("__checkpoint_key_{}", id, span = last);
        let rt = self.rt.path();
        let value = quote!(#rt::__private::expected_key(&__checkpoint_request, || #expr));
        let reference = quote_spanned!(first=> &);
        let mut argument = Group::new(Delimiter::Parenthesis, quote!(#reference #local));
        argument.set_span(last);
        let rt = self.rt.at(first);
        let as_str = quote_spanned!(first=> #rt::__private::ExpectedKey::as_key);
        (local, value, quote!(#as_str #argument))
    }

    /// `checkpoint`, enforced once `local` holds the value of `value` (an expected key, which
    /// answers a `500` if evaluating it panicked).
    fn with_expected_key(
        &self,
        local: &Ident,
        value: &TokenStream,
        checkpoint: &TokenStream,
    ) -> TokenStream {
        let rt = self.rt.path();
        quote! {
            match #value {
                #rt::__private::ControlFlow::Continue(#local) => #checkpoint,
                #rt::__private::ControlFlow::Break(__checkpoint_response) => {
                    #rt::__private::ControlFlow::Break(__checkpoint_response)
                }
            }
        }
    }

    /// A checkpoint whose check holds the user's expression or function: built on each request
    /// (the expression is evaluated then, and a function's type cannot be named in a `const`), with
    /// its action still a constant. The enforcement is spanned at `span`.
    fn evaluated_checkpoint(
        &self,
        index: usize,
        check: TokenStream,
        span: Span,
        action: &ActionSpec,
    ) -> TokenStream {
        let rt = self.rt.path();
        let action_name = format_ident!("__CHECKPOINT_ACTION_{}", index);
        let checkpoint_name = format_ident!("__checkpoint_{}", index, span = span);
        let enforce = self.enforce_call(quote_spanned!(span=> &#checkpoint_name), span);
        // The default action is left to `with_check`, as in `checkpoint`.
        let (action_const, set_action) = if action.is_default() {
            (quote!(), quote!())
        } else {
            let action = self.action(action, None);
            (
                quote!(const #action_name: #rt::Action = #action;),
                quote!(.action(#action_name)),
            )
        };
        quote! {{
            #action_const
            let #checkpoint_name = #rt::Checkpoint::with_check(#check) #set_action;
            #enforce
        }}
    }

    /// The `Action` builder chain for `spec`: the same calls a hand-written constant makes.
    /// `default_status` is the kind's own failure status, set when `fail_status` is not given.
    fn action(&self, spec: &ActionSpec, default_status: Option<TokenStream>) -> TokenStream {
        let rt = self.rt.path();
        let mut chain = quote!(#rt::Action::new());
        if let Some(target) = &spec.fail_url {
            let target = self.redirect_target(target);
            chain.extend(quote!(.fail_url(#target)));
        }
        if let Some(target) = &spec.pass_url {
            let target = self.redirect_target(target);
            chain.extend(quote!(.pass_url(#target)));
        }
        if let Some(JsonText { text, span }) = &spec.fail_json {
            chain.extend(
                quote_spanned!(*span=> .fail_json(#rt::FailJson::__from_checked_text(#text))),
            );
        }
        if let Some((path, option)) = &spec.fail_response {
            // Called through a trait implemented for `fn(&HttpRequest) -> HttpResponse` alone,
            // so that a function of another signature (async, taking the request by value) is
            // reported once, on its path, with a note on what is expected.
            let rt = self.rt.at(path.span());
            let respond = quote_spanned!(path.span()=> #rt::__private::FailResponseFn::respond);
            let private = self.rt.path();
            chain.extend(quote_spanned! {*option=>
                .fail_response({
                    fn __checkpoint_fail_response(
                        request: &#private::__private::HttpRequest,
                    ) -> #private::__private::HttpResponse {
                        #respond(&#path, request)
                    }
                    __checkpoint_fail_response
                })
            });
        }
        match (spec.fail_status, default_status) {
            (Some(status), _) => chain.extend(quote!(.fail_status(#status))),
            (None, Some(status)) => chain.extend(quote!(.fail_status(#status))),
            (None, None) => {}
        }
        if let Some(message) = &spec.message {
            chain.extend(quote!(.message(#message)));
        }
        if let Some(category) = &spec.message_category {
            chain.extend(quote!(.message_category(#category)));
        }
        if spec.disable_default_fail {
            chain.extend(quote!(.disable_default_fail()));
        }
        chain
    }

    fn redirect_target(&self, target: &TargetSpec) -> TokenStream {
        let rt = self.rt.path();
        match target {
            TargetSpec::Path(path) => quote!(#rt::RedirectTarget::Path(#path)),
            TargetSpec::Route { name, args } if args.is_empty() => quote!(#rt::url_for(#name)),
            TargetSpec::Route { name, args } => {
                quote!(#rt::url_for(#name).with_args(&[#(#args),*]))
            }
        }
    }
}

/// `#[login_not_required]`'s work: the handler's route attribute gains a `wrap = "..."` naming a
/// marker, a constant beside the handler, that records the route as mounted in the app being
/// built (on each worker), for that app's `LoginRequired` to find; and beside the handler, a
/// runtime macro that is a compile error when the runtime's `login` feature is off. The marker is
/// a constant, named in the string, rather than written into it: actix-web reads `wrap` as an
/// expression in a string, where a runtime path such as `$crate::rt` would not parse.
pub(crate) fn public_route(
    public: &PublicSpec,
    handler: &Ident,
    runtime: &Runtime,
    attrs: &mut [Attribute],
) -> TokenStream {
    let rt = runtime.path();
    let PublicSpec {
        name,
        path,
        methods,
        attribute,
    } = public;
    let marker = format_ident!("__checkpoint_public_{}", handler);
    let handler = handler.to_string();
    let wrap = LitStr::new(&marker.to_string(), Span::call_site());
    if let Some(Meta::List(route)) = attrs.get_mut(*attribute).map(|attr| &mut attr.meta) {
        let ends_with_comma = matches!(
            route.tokens.clone().into_iter().last(),
            Some(TokenTree::Punct(comma)) if comma.as_char() == ','
        );
        if !ends_with_comma {
            route.tokens.extend(quote!(,));
        }
        route.tokens.extend(quote!(wrap = #wrap));
    }
    quote! {
        #rt::__private::login_not_required! {}
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        const #marker: #rt::__private::MountedPublicRoute =
            #rt::__private::MountedPublicRoute(#rt::__private::PublicRoute {
                name: #name,
                path: #path,
                methods: &[#(#methods),*],
                handler: ::core::concat!(::core::module_path!(), "::", #handler),
            });
    }
}

/// `fail_json!({ ... })`: the checked object as a `FailJson` constant expression, `runtime`
/// being the path the runtime's `fail_json!` passed (its `$crate`).
pub(crate) fn fail_json(json: &JsonText, runtime: &TokenStream) -> TokenStream {
    let text = &json.text;
    quote_spanned!(json.span=> #runtime::FailJson::__from_checked_text(#text))
}
