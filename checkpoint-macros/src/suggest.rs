//! "Did you mean" hints: the option of an attribute nearest to a word that is none, from the
//! grammar's table.

use proc_macro2::TokenStream;
use syn::{Error, Ident};

use crate::{grammar, model::AttrKind};

/// The error for an unknown option, and the option it was probably meant to be.
pub(crate) fn unknown_option(attr: AttrKind, name: &Ident) -> (Error, Option<&'static str>) {
    let written = name.to_string();
    let closest = closest_option(attr, &written, 3);
    let hint = match closest {
        Some(option) => format!("did you mean `{option}`?"),
        None => format!(
            "expected one of: {}",
            grammar::option_names(attr).collect::<Vec<_>>().join(", ")
        ),
    };
    let error = Error::new(name.span(), format!("unknown option `{written}`: {hint}"));
    (error, closest)
}

/// The option of `attr` nearest to `written`, if within `max_distance` edits.
fn closest_option(attr: AttrKind, written: &str, max_distance: usize) -> Option<&'static str> {
    closest(grammar::option_names(attr), written, max_distance)
}

/// The word of `words` nearest to `written`, if within `max_distance` edits.
pub(crate) fn closest(
    words: impl IntoIterator<Item = &'static str>,
    written: &str,
    max_distance: usize,
) -> Option<&'static str> {
    words
        .into_iter()
        .map(|word| (edit_distance(written, word), word))
        .min()
        .filter(|(distance, _)| *distance <= max_distance)
        .map(|(_, option)| option)
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// The option a bare word is a near miss of, such as `disable_default_fial`.
pub(crate) fn misspelt_option(attr: AttrKind, tokens: &TokenStream) -> Option<&'static str> {
    let ident = syn::parse2::<Ident>(tokens.clone()).ok()?;
    closest_option(attr, &ident.to_string(), 2)
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("fail_url", "fail_url"), 0);
        assert_eq!(edit_distance("fail_ur", "fail_url"), 1);
        assert_eq!(edit_distance("fial_url", "fail_url"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
