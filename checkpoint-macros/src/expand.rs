//! Code generation: one wrapper around the handler for the whole checkpoint stack.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::{spanned::Spanned, Attribute, GenericParam, ItemFn, Path};

use crate::model::{ActionSpec, AllowedLit, CheckpointSpec, JsonText, SessionSpec, TargetSpec};

/// The wrapper: the handler's name, visibility and `attrs`, taking only the request and the
/// unread payload; it enforces `stack` in order, then extracts the handler's own arguments and
/// calls it, kept intact as an inner function.
pub(crate) fn wrapper(
    handler: ItemFn,
    attrs: Vec<Attribute>,
    stack: &[CheckpointSpec],
) -> TokenStream {
    let ItemFn {
        vis, sig, block, ..
    } = handler;
    let rt = quote!(::checkpoint_runtime);
    let private = quote!(#rt::__private);

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
    let mut outer_sig = sig;
    outer_sig.inputs = syn::parse_quote!(
        __checkpoint_request: #private::HttpRequest,
        __checkpoint_payload: #private::Payload
    );
    outer_sig.output = syn::parse_quote!(-> #private::Either<#private::HttpResponse, #output>);

    let checks = stack.iter().enumerate().map(|(index, spec)| {
        let enforce = match spec {
            CheckpointSpec::Named(path) => named_checkpoint(path),
            CheckpointSpec::Session(session) => {
                let name = format_ident!("__CHECKPOINT_{}", index);
                let value = session_checkpoint(session);
                quote! {{
                    const #name: #rt::SessionCheckpoint = #value;
                    #private::enforce(&#name, &__checkpoint_request, &mut __checkpoint_payload, &__CHECKPOINT_SESSION_PROBE).await
                }}
            }
        };
        quote! {
            if let #private::ControlFlow::Break(__checkpoint_response) = #enforce {
                return #private::Either::Left(__checkpoint_response);
            }
        }
    });

    // Spanned on the handler's name, so that an argument that is not an extractor is reported
    // there rather than on the whole attribute.
    let call = quote_spanned! {inner_name.span()=>
        ::checkpoint_runtime::__private::call_handler(
            #inner_name #turbofish,
            __checkpoint_request,
            __checkpoint_payload,
        )
        .await
    };
    quote! {
        #(#attrs)*
        #vis #outer_sig {
            #inner_sig #block
            static __CHECKPOINT_SESSION_PROBE: #private::SessionProbe = #private::SessionProbe::new();
            let mut __checkpoint_payload = __checkpoint_payload.into_inner();
            #(#checks)*
            #call
        }
    }
}

/// The enforcement of `#[checkpoint(NAME)]`, through a runtime trait implemented only by
/// checkpoints (and references to them): a value of another type is reported once, on `NAME`,
/// rather than as a type mismatch inside the expansion.
fn named_checkpoint(path: &Path) -> TokenStream {
    let private = quote_spanned!(path.span()=> ::checkpoint_runtime::__private);
    quote_spanned! {path.span()=>
        #private::NamedCheckpoint::enforce_named(&#path, &__checkpoint_request, &mut __checkpoint_payload, &__CHECKPOINT_SESSION_PROBE).await
    }
}

fn session_checkpoint(spec: &SessionSpec) -> TokenStream {
    let rt = quote!(::checkpoint_runtime);
    let key = &spec.session_key;
    // In the order `SessionCheck` binary-searches, so that a long list costs about what a short
    // one does; a hand-written constant listing them so behaves the same.
    let mut values: Vec<&AllowedLit> = spec.values.iter().collect();
    values.sort_by(|left, right| search_key(left).cmp(&search_key(right)));
    let values = values.into_iter().map(|value| match value {
        AllowedLit::Bool(flag) => quote!(#rt::AllowedValue::Bool(#flag)),
        AllowedLit::Int(int) => quote!(#rt::AllowedValue::Int(#int)),
        AllowedLit::Str(text) => quote!(#rt::AllowedValue::Str(#text)),
    });
    let action = action(&spec.action);
    quote!(#rt::SessionCheckpoint::new(#key, &[#(#values),*]).action(#action))
}

/// Booleans, then integers, then strings (bytewise): `checkpoint_runtime`'s search order.
fn search_key(value: &AllowedLit) -> (u8, i64, &str) {
    match value {
        AllowedLit::Bool(flag) => (0, i64::from(*flag), ""),
        AllowedLit::Int(int) => (1, *int, ""),
        AllowedLit::Str(text) => (2, 0, text),
    }
}

/// The `Action` builder chain for `spec`: the same calls a hand-written constant makes.
fn action(spec: &ActionSpec) -> TokenStream {
    let rt = quote!(::checkpoint_runtime);
    let mut chain = quote!(#rt::Action::new());
    if let Some(target) = &spec.fail_url {
        let target = redirect_target(target);
        chain.extend(quote!(.fail_url(#target)));
    }
    if let Some(target) = &spec.pass_url {
        let target = redirect_target(target);
        chain.extend(quote!(.pass_url(#target)));
    }
    if let Some(JsonText { text, span }) = &spec.fail_json {
        chain.extend(quote_spanned!(*span=> .fail_json(#rt::FailJson::__from_checked_text(#text))));
    }
    if let Some((path, option)) = &spec.fail_response {
        // A function of the wrong signature is reported on its path, "expected due to" the
        // option's name, rather than inside the expansion.
        let expected = quote_spanned!(*option=> ::checkpoint_runtime::FailResponse);
        chain.extend(quote_spanned! {path.span()=>
            .fail_response({
                let fail_response: #expected = #path;
                fail_response
            })
        });
    }
    if let Some(status) = spec.fail_status {
        chain.extend(quote!(.fail_status(#status)));
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

fn redirect_target(target: &TargetSpec) -> TokenStream {
    let rt = quote!(::checkpoint_runtime);
    match target {
        TargetSpec::Path(path) => quote!(#rt::RedirectTarget::Path(#path)),
        TargetSpec::Route { name, args } if args.is_empty() => quote!(#rt::url_for(#name)),
        TargetSpec::Route { name, args } => quote!(#rt::url_for(#name).with_args(&[#(#args),*])),
    }
}

/// `fail_json!({ ... })`: the checked object as a `FailJson` constant expression.
pub(crate) fn fail_json(json: &JsonText) -> TokenStream {
    let text = &json.text;
    quote_spanned!(json.span=> ::checkpoint_runtime::FailJson::__from_checked_text(#text))
}
