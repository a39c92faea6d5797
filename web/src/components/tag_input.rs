//! The allowlist's tag input: Enter adds the typed address as a tag, each tag has a
//! remove button, Backspace in the empty box removes the last tag. What may be added
//! is decided by the shared crate's `parse_allowed_ips`, the rule the API applies.

use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use ori_shared::carrier::parse_allowed_ips;

use crate::components::icons::CloseIcon;

/// The entry `draft` would add to `values`, normalised (`2001:DB8::1` → `2001:db8::1`),
/// or the rule's message: not an address, host bits set, a duplicate, too many.
fn candidate(values: &[String], draft: &str) -> Result<String, String> {
    let mut all: Vec<&str> = values.iter().map(String::as_str).collect();
    all.push(draft);
    let parsed = parse_allowed_ips(&all)?;
    Ok(parsed.last().map(ToString::to_string).unwrap_or_default())
}

#[component]
pub fn TagInput(
    /// The text box's id, for its `<label for>`.
    id: &'static str,
    values: RwSignal<Vec<String>>,
    #[prop(into)] placeholder: String,
    /// A message about the whole list from the form (e.g. "add at least one").
    #[prop(into)]
    error: Signal<Option<String>>,
    /// The id of the field's help text, if any.
    #[prop(optional)]
    help_id: Option<&'static str>,
    /// Called on every change, so the form can show its messages from then on.
    #[prop(into)]
    on_touch: Callback<()>,
    #[prop(into, optional)] disabled: Signal<bool>,
) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    // The typed entry's own problem; shown in place of the form's message.
    let own_error = RwSignal::new(None::<String>);
    let input_ref = NodeRef::<leptos::html::Input>::new();
    let error_id = format!("{id}-error");

    let add = move || {
        let text = draft.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        match candidate(&values.get_untracked(), &text) {
            Ok(entry) => {
                values.update(|v| v.push(entry));
                draft.set(String::new());
                own_error.set(None);
            }
            // Refused: the message shows and the text stays for correction.
            Err(message) => own_error.set(Some(message)),
        }
        on_touch.run(());
    };
    let remove = move |index: usize| {
        values.update(|v| {
            if index < v.len() {
                v.remove(index);
            }
        });
        on_touch.run(());
    };
    let on_keydown = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Enter" => {
            // Never submits the form: Enter here means "add this address".
            ev.prevent_default();
            add();
        }
        "Backspace" if draft.get_untracked().is_empty() => {
            let last = values.with_untracked(Vec::len);
            if last > 0 {
                ev.prevent_default();
                remove(last - 1);
            }
        }
        _ => {}
    };
    let on_input = move |ev| {
        let text = event_target_value(&ev);
        // Once refused, the message follows the correction as it is typed.
        if own_error.get_untracked().is_some() {
            own_error.set(if text.trim().is_empty() {
                None
            } else {
                candidate(&values.get_untracked(), &text).err()
            });
        }
        draft.set(text);
    };
    let message = move || own_error.get().or_else(|| error.get());
    let describedby = {
        let error_id = error_id.clone();
        move || {
            let mut ids: Vec<&str> = help_id.into_iter().collect();
            if message().is_some() {
                ids.push(&error_id);
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };

    view! {
        <div
            class="tag-input"
            class:invalid=move || message().is_some()
            class:disabled=move || disabled.get()
            on:click=move |_| {
                if let Some(input) = input_ref.get() {
                    let _ = input.focus();
                }
            }
        >
            <ul class="tags" aria-label="Added addresses">
                {move || {
                    values
                        .get()
                        .into_iter()
                        .enumerate()
                        .map(|(index, value)| {
                            let label = format!("Remove {value}");
                            view! {
                                <li class="tag">
                                    <span class="mono">{value}</span>
                                    <button
                                        type="button"
                                        class="tag-remove"
                                        aria-label=label
                                        disabled=move || disabled.get()
                                        on:click=move |ev| {
                                            ev.stop_propagation();
                                            remove(index);
                                        }
                                    >
                                        <CloseIcon/>
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <input
                id=id
                node_ref=input_ref
                type="text"
                class="tag-draft"
                autocomplete="off"
                spellcheck="false"
                placeholder=placeholder
                disabled=move || disabled.get()
                aria-invalid=move || message().is_some().then_some("true")
                aria-describedby=describedby
                prop:value=move || draft.get()
                on:input=on_input
                on:keydown=on_keydown
                on:blur=move |_| {
                    // Leaving the box keeps what was typed: a valid address is added.
                    if !draft.get_untracked().trim().is_empty() {
                        add();
                    }
                }
            />
        </div>
        {move || message().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
    }
}

#[cfg(test)]
mod tests {
    use super::candidate;

    #[test]
    fn adds_normalised_entries_and_refuses_bad_ones_with_the_shared_message() {
        let list = vec!["192.0.2.10".to_owned()];
        assert_eq!(
            candidate(&list, " 203.0.113.0/24 ").as_deref(),
            Ok("203.0.113.0/24")
        );
        assert_eq!(
            candidate(&list, "2001:DB8::1").as_deref(),
            Ok("2001:db8::1")
        );
        assert_eq!(
            candidate(&list, "192.0.2.10"),
            Err("192.0.2.10 is listed more than once.".to_owned())
        );
        assert!(candidate(&list, "not-an-ip").is_err_and(|m| m.contains("not an IP address")));
        assert!(
            candidate(&list, "203.0.113.5/24")
                .is_err_and(|m| m.contains("did you mean 203.0.113.0/24"))
        );
    }
}
