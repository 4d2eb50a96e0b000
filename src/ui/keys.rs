//! The phone's keyboard: digits dial, Enter calls (or answers), Esc hangs up or declines,
//! Backspace deletes, Ctrl+V pastes a number or SIP URI. Only keys no widget took are seen.

use iced::Subscription;
use iced::keyboard::{self, Key, key::Named};

/// A key the phone acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhoneKey {
    Digit(char),
    Backspace,
    Enter,
    Escape,
    Paste,
}

/// What a key press means to the phone, if anything.
pub fn phone_key(event: keyboard::Event) -> Option<PhoneKey> {
    let keyboard::Event::KeyPressed {
        key, modifiers, text, ..
    } = event
    else {
        return None;
    };
    match key.as_ref() {
        Key::Named(Named::Enter) => Some(PhoneKey::Enter),
        Key::Named(Named::Escape) => Some(PhoneKey::Escape),
        Key::Named(Named::Backspace) => Some(PhoneKey::Backspace),
        Key::Character("v") if modifiers.command() => Some(PhoneKey::Paste),
        _ if modifiers.command() || modifiers.alt() => None,
        _ => {
            let mut chars = text.as_deref()?.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_digit() || "*#+".contains(c) => Some(PhoneKey::Digit(c)),
                _ => None,
            }
        }
    }
}

/// The phone keys pressed while no widget has the focus.
pub fn listen() -> Subscription<PhoneKey> {
    keyboard::listen().filter_map(phone_key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use iced::keyboard::{Location, Modifiers, key::Physical};

    fn press(key: Key, text: Option<&str>, modifiers: Modifiers) -> keyboard::Event {
        keyboard::Event::KeyPressed {
            modified_key: key.clone(),
            key,
            physical_key: Physical::Unidentified(keyboard::key::NativeCode::Unidentified),
            location: Location::Standard,
            modifiers,
            text: text.map(Into::into),
            repeat: false,
        }
    }

    #[test]
    fn digits_enter_escape_and_paste_are_phone_keys() {
        let none = Modifiers::empty();
        let digit = |c: &str| phone_key(press(Key::Character(c.into()), Some(c), none));
        assert_eq!(digit("7"), Some(PhoneKey::Digit('7')));
        assert_eq!(digit("#"), Some(PhoneKey::Digit('#')));
        assert_eq!(digit("a"), None);
        assert_eq!(
            phone_key(press(Key::Named(Named::Escape), None, none)),
            Some(PhoneKey::Escape)
        );
        assert_eq!(
            phone_key(press(Key::Named(Named::Enter), None, none)),
            Some(PhoneKey::Enter)
        );
        assert_eq!(
            phone_key(press(Key::Character("v".into()), Some("v"), Modifiers::CTRL)),
            Some(PhoneKey::Paste)
        );
        assert_eq!(
            phone_key(press(Key::Character("1".into()), Some("1"), Modifiers::CTRL)),
            None,
            "shortcuts are not digits"
        );
    }
}
