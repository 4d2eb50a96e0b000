app-name = Handset
app-description = A native desktop softphone with a built-in SIP account manager

## Window
theme = Theme
theme-system = System
theme-light = Light
theme-dark = Dark
language = Language
loading = Opening the profile…
open-failed = The profile could not be opened: { $reason }
prefs-not-saved = The preferences could not be saved: { $reason }
no-display = The window cannot open: there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set). Run Handset in a desktop session, or use its commands (see handset --help).
instance-forwarded = Handset is already running for this profile: its window has been brought to the front.
instance-unavailable = Another Handset may be running for this profile (its socket cannot be used: { $reason }); this window opens on its own.
autostart = Start at login
autostart-failed = The login start could not be changed: { $reason }
dismiss = Dismiss

## Accounts pane
accounts-title = SIP Accounts
accounts-create = Create SIP Account
accounts-empty = There are no SIP accounts yet: create one, or import a CSV file below.
column-name = Name
column-user = User
column-address = SIP address
column-state = State
state-inbound-only = Inbound only
state-inbound-outbound = Inbound and outbound
edit = Edit
delete = Delete
keep = Keep
delete-confirm = Delete the SIP account “{ $name }”? Its password is removed from the keyring; this cannot be undone.
notice-saved = SIP account “{ $name }” saved.
notice-deleted = SIP account “{ $name }” deleted.
notice-exported = { $count ->
    [one] 1 account written to { $path }.
   *[other] { $count } accounts written to { $path }.
}
notice-imported = Import done: { $created } created, { $updated } updated.
export-failed = The CSV file could not be written: { $reason }
csv-export-title = Download SIP Accounts to a CSV file
choose-file = Choose…
csv-download = Download CSV
csv-include-passwords = Include the passwords (keep the file safe)
csv-import-title = Import SIP Accounts from a CSV file
csv-import-placeholder = Path of the CSV file
csv-import = Import CSV
csv-import-update = Change existing accounts with the same name
csv-import-failed = { $count ->
    [one] The file has 1 problem, so nothing was imported:
   *[other] The file has { $count } problems, so nothing was imported:
}
csv-problem-line = Line { $line }
csv-problem-cell = Line { $line }, column { $column }

## Account editor
editor-title-new = New SIP Account
editor-title-edit = Edit SIP Account “{ $name }”
section-general = General
section-inbound = Inbound Calls
section-outbound = Outbound Calls
section-recording = Call Recording
section-advanced = Advanced
section-credentials = Credentials
choose = Choose…
choice-none = None
choice-keep-local = None (keep recordings on this computer)
field-name = Name
field-name-placeholder = e.g. Front desk
field-user = User
field-did-numbers = DID Numbers
field-internal-numbers = Internal Numbers
empty-phone-numbers = The workspace has no phone numbers yet: add them under Workspace → Phone Numbers.
empty-internal-numbers = The workspace has no internal numbers yet: add them under Workspace → Internal Numbers.
field-when-unavailable = When the SIP account is not available
unavailable-do-nothing = Do Nothing
unavailable-voicemail = Route To Voicemail
field-voicemail-audio = Voicemail Audio
field-outbound-enabled = Enable Outbound Calling
hint-outbound-default = Outbound calling from this SIP device is disabled by default.
field-external-caller-id = External Caller ID
field-internal-caller-ids = Internal Caller IDs
field-internal-announcement = Internal Announcement
field-external-announcement = External Announcement
upload-announcement = Upload a recording to the Announcements catalogue
upload-done = Announcement “{ $name }” uploaded: choose it above.
field-recording-enabled = Enable Call Recording
field-recording-directions = Recording Direction
direction-inbound-internal = Inbound Internal
direction-inbound-internal-hint = Calls made between internal extensions.
direction-inbound-external = Inbound External
direction-inbound-external-hint = Calls received from external numbers to internal extensions.
direction-outbound-internal = Outbound Internal
direction-outbound-internal-hint = Calls made between internal extensions.
direction-outbound-external = Outbound External
direction-outbound-external-hint = Calls made from internal extensions to external numbers.
field-record-on-demand = Record on Demand
field-feature-code = Feature Code
field-delivery-method = Delivery Method
hint-recording-delivery = Recordings are sent after each call; about 7 MB per hour. E-mail servers may refuse large files.
field-allowed-ips-enabled = Enable Allowed IPs
field-allowed-ips = Allowed IPs
field-allowed-ips-placeholder = Type IPv4 or IPv6 addresses or CIDR ranges, separated by spaces
hint-allowed-ips = Registration is accepted only from these addresses. Press Space or Enter to add an entry.
field-codecs = Codecs
codecs-add = Add:
hint-telephone-event = telephone-event must be in the list for interactive menus and feature codes that need digit input.
field-media-types = Media Types
media-rtp = RTP (Unsecured Real-time Transport Protocol)
media-srtp-sdes = SRTP-SDES (Secure Real-time Transport Protocol – Session Description Protocol Security Descriptions)
media-srtp-dtls = SRTP-DTLS (Secure Real-time Transport Protocol – Datagram Transport Layer Security)
field-transports = Transport Protocol
transport-tcp = TCP (Transmission Control Protocol)
transport-udp = UDP (User Datagram Protocol)
transport-tls = TLS (Transport Layer Security)
transport-wss = WSS (WebSocket Secure)
hint-encryption-off = Encrypted media types and transport protocols are disabled for this workspace. Turn on encryption on the Workspace page to select them.
field-domain = Domain
field-username = Username
field-username-placeholder = Leave empty to use { $username }
field-password = Password
field-new-password = New Password
field-password-placeholder-new = Leave empty to generate a strong password
field-password-placeholder-edit = Leave empty to keep the current password
field-port = Port
field-outbound-proxy = Outbound Proxy
error-port = “{ $port }” is not a port: use 1 to 65535, or leave it empty for the default
credentials-loading = Reading the credentials from the keyring…
credentials-unreadable = The credentials could not be read: { $reason }
credentials-no-password = (not in the keyring)
show = Show
hide = Hide
copy = Copy
copy-all = Copy all (SIP URI and password)
copied-username = Username copied to the clipboard
copied-password = Password copied to the clipboard
copied-domain = Domain copied to the clipboard
copied-all = SIP URI, username, password and domain copied to the clipboard
copy-unavailable = There is no clipboard here ({ $reason }): nothing was copied.
save = Save
cancel = Cancel
problems-to-fix = { $count ->
    [one] 1 problem to fix before saving.
   *[other] { $count } problems to fix before saving.
}

## Navigation
nav-accounts = Accounts
nav-workspace = Workspace
add = Add
remove = Remove

## Workspace catalogues (Settings)
workspace-title = Workspace
workspace-users = Users
workspace-user-name = Name
workspace-user-email = E-mail (optional)
workspace-phone-numbers = Phone Numbers
workspace-internal-numbers = Internal Numbers
workspace-label = Label
workspace-announcements = Announcements
workspace-greetings = Voicemail Greetings
workspace-delivery-methods = Delivery Methods
workspace-built-in = built in
workspace-play = Play
workspace-stop = Stop
workspace-empty = None yet.
workspace-audio-file = Path of the audio file
upload = Upload
workspace-upload-hint = WAV, MP3, Ogg Vorbis, FLAC or M4A; decoded and stored with the profile.
delivery-address = Address
delivery-host = Host
delivery-folder = Folder
delivery-path = Folder on the server
delivery-hint-ftp = Recordings are uploaded after each call; a failed upload is tried again later. FTP sends the password and the recordings unencrypted: use it on trusted networks only.
delivery-hint-sftp = Recordings are uploaded over SSH after each call; a failed upload is tried again later. The server's host key is trusted the first time and checked every time after.
delivery-ftp-tls = Explicit TLS (FTPS)
delivery-hint-ftps = Recordings are uploaded after each call over FTPS (explicit TLS: the login and the recordings are encrypted); a failed upload is tried again later. The server's certificate must be trusted by this computer.
delivery-key-file = Private key file (optional, instead of the password)
delivery-password-or-passphrase = Password or key passphrase
delivery-mail-server = Outgoing mail server
delivery-hint-email = Recordings are e-mailed after each call through this outgoing mail server; a failed send is tried again later. A message the server refuses (too large) cannot be delivered: the recording stays in the recordings folder.
delivery-hint-email-clear = Without encryption the mail server login and the recordings cross the network unencrypted: use it on trusted networks only. A message the server refuses (too large) cannot be delivered.
workspace-encryption = Encryption
workspace-encryption-switch = Allow encrypted media types and transport protocols
workspace-encryption-hint = SRTP-SDES, SRTP-DTLS, TLS and WSS can be chosen for accounts only while this is on.

## First run
welcome-title = Welcome to Handset
welcome-step-user = 1. Who uses the account?
welcome-user-hint = Every SIP account is assigned to a user of the workspace. Add the first one:
welcome-users = Users: { $names }
welcome-step-account = 2. Add the first SIP account
welcome-add-account = Add the first SIP account
welcome-or-import = Or import SIP accounts from a CSV file:
welcome-skip = Skip: go to the accounts

## Phone
nav-phone = Phone
phone-account = Account
phone-number-placeholder = Number or SIP address
phone-call = Call
phone-dnd = Do not disturb (decline incoming calls)
phone-no-account = Choose an account to call from.
phone-outbound-off = Outbound calling is off for “{ $name }”: turn it on in the account's Outbound section.
phone-enter-number = Type a number or use the keypad.
phone-not-a-number = The clipboard holds no phone number or SIP address.
phone-call-failed = The call could not be placed: { $reason }
phone-history-not-saved = The call history could not be saved: { $reason }
phone-history-unreadable = The call history could not be read ({ $reason }); this session's calls are kept until the window closes.
phone-stopped = The phone has stopped: restart Handset to make calls.
phone-recording-saved = Call recording saved: { $path }
phone-recording-delivered = The call recording was sent to { $method }.
phone-recording-not-delivered = The call recording could not be sent to { $method }: { $reason }. Trying again in { $seconds } s; it stays in the recordings folder.
phone-recording-rejected = The call recording was refused by { $method } and will not be sent again: { $reason }. It stays in the recordings folder.
phone-recording-failed = The call recording failed: { $reason }
reg-registering = Registering…
reg-registered = Registered
reg-unregistered = Not registered
reg-failed = Registration failed: { $reason }
history-title = Recent calls
history-empty = No calls yet.
history-in = Incoming
history-out = Outgoing
history-missed = Missed
history-declined = Declined
history-voicemail = Voicemail
history-play-voicemail = Play message
history-failed = Not reached
history-called = { $called } on { $account }

## Calls
call-none = No call.
call-dialling = Calling…
call-ringing = Ringing…
call-incoming = Incoming call
call-talking = Connected
call-on-hold = On hold
call-on-account = On { $account }
call-mute = Mute
call-unmute = Unmute
call-hold = Hold
call-resume = Resume
call-hangup = Hang up
call-switch = Switch to this call
call-others = Other calls
call-unknown = unknown
call-encrypted = encrypted ({ $method })
call-unencrypted = not encrypted
call-media = Codec { $codec }, { $encryption }
call-quality = Loss { $loss } % · Jitter { $jitter } ms · RTT { $rtt }
call-input-level = Microphone
call-output-level = Speaker
call-record = Record
call-record-stop = Stop recording
call-recording = ● Recording
call-record-off = Recording on demand is off for this account: turn on Record on Demand in its Call Recording section.
call-record-policy = This account records these calls; without Record on Demand recording cannot be paused.
call-transfer = Transfer
call-transfer-placeholder = Number or SIP address
call-transfer-now = Transfer now
call-transfer-asked = The other side asks to transfer this call to { $target }.
call-transfer-accept = Accept transfer
call-transfer-decline = Decline
call-transfer-calling = Calling { $target }; this call ends when they answer.
call-transfer-cancel = Cancel
call-transferring = Transferring to { $target }…
call-transfer-accepted = The transfer was accepted; the other party is being connected…
call-transfer-ringing = Transfer: ringing…
call-transfer-done = Transferred.
call-transfer-failed = The transfer failed ({ $code } { $reason }); the call goes on.
incoming-title = Incoming call
missed-title = Missed call
missed-voicemail = A voicemail message was left.
missed-call-back = Call back
incoming-called = To { $called } on { $account }
incoming-account = On { $account }
incoming-answer = Answer
incoming-decline = Decline

## Settings: audio
nav-audio = Audio
audio-title = Sound devices
audio-applies = Changes apply to the next call.
audio-listing = Looking for sound devices…
audio-unavailable = The sound devices cannot be listed: { $reason }
audio-input = Microphone
audio-output = Speaker
audio-ring = Ringtone on
audio-default = System default
audio-not-connected = { $name } (not connected)
audio-test-tone = Play test tone
audio-mic-test = Test the microphone
audio-mic-silent = silent
audio-echo-cancellation = Echo cancellation
audio-noise-suppression = Noise suppression
audio-refresh = Look for devices again

## Account problems (the account core's validation; the same text as the command line's)
problem-name-empty = the account name is empty: type a name
problem-name-spaces = the account name `{ $name }` starts or ends with spaces: remove them
problem-name-long = the account name is longer than 64 characters: shorten it
problem-name-control = the account name contains control characters: use printable text only
problem-name-taken = another account is already named `{ $name }`: choose another name
problem-user-missing = choose the user this account is assigned to
problem-user-unknown = `{ $user }` is not a workspace user: add it under Settings → Users first, or pick another
problem-did-unknown = `{ $number }` is not a workspace phone number: add it under Settings → Phone Numbers first
problem-internal-number-unknown = `{ $number }` is not a workspace internal number: add it under Settings → Internal Numbers first
problem-greeting-missing = Route To Voicemail needs the voicemail audio to play: choose a greeting
problem-greeting-unknown = `{ $name }` is not a voicemail greeting: upload it under Settings → Voicemail Greetings or pick another
problem-caller-id-missing = outbound calling is enabled: select the External Caller ID (a workspace phone number)
problem-caller-id-unknown = `{ $number }` is not a workspace phone number: add it under Settings → Phone Numbers or pick another
problem-internal-caller-id-unknown = `{ $number }` is not a workspace internal number: pick an existing extension
problem-announcement-unknown = `{ $name }` is not an announcement: upload it under Settings → Announcements or pick another
problem-recording-nothing = recording is enabled but records nothing: tick at least one direction or turn on Record on Demand
problem-feature-code-missing = Record on Demand needs a feature code to dial, e.g. *1
problem-feature-code-invalid = `{ $code }` is not a feature code: use 1 to 16 of the keys 0-9, * and #, e.g. *1
problem-feature-code-clash = `{ $code }` collides with `{ $other }` of account `{ $account }`: one would be dialed instead of the other; choose a code that is not a prefix of another
problem-on-demand-needs-digits = Record on Demand needs digit input: add telephone-event to the codecs
problem-delivery-unknown = `{ $name }` is not a delivery method: add it under Settings → Delivery Methods or pick another
problem-allowed-ips-empty = Allowed IPs is enabled but the list is empty: add the addresses devices register from, or disable it
problem-codec-missing = choose at least one audio codec, e.g. OPUS or PCMU
problem-codec-twice = a codec is listed twice: keep each once
problem-media-type-missing = choose at least one media type, e.g. RTP
problem-media-type-twice = a media type is listed twice: keep each once
problem-transport-missing = choose at least one transport protocol, e.g. UDP
problem-transport-twice = a transport is listed twice: keep each once
problem-encrypted-locked = { $item } is encrypted, and encrypted media types and transports are disabled for this workspace: turn on encryption in Settings first
problem-username-missing = type a SIP username, or leave it out to have one generated
problem-username-invalid = `{ $username }` is not a valid SIP username: use up to 64 letters, digits and - _ . ! ~ * ' ( ) & = + $ , ; ? /
problem-username-taken = `{ $address }` is already used by another account: choose another username
problem-domain-missing = type the SIP domain or registrar, e.g. sip.example.com
problem-host-invalid = `{ $host }` is not a host name or IP address, e.g. sip.example.com
problem-port-zero = port 0 is not usable: use 1 to 65535, or leave it out for the default
problem-port-invalid = `{ $address }` has a bad port: use 1 to 65535

## Messages from the phone (the same text as the command line's)
phone-account-not-active = the account `{ $account }` is not active
phone-account-removed = the account was removed
phone-outbound-disabled = outbound calling is disabled for `{ $account }`: enable it under Outbound Calls (with an External Caller ID) to place calls
phone-not-connected = not connected to the server yet
phone-no-server = no server could be reached: { $reasons }
phone-ip-not-allowed = this computer's address { $address } is not in the account's Allowed IPs: registration refused. Add it to Advanced → Allowed IPs, or turn Allowed IPs off
phone-sdes-needs-tls = SRTP-SDES would send the media keys in clear text over { $transport }: use TLS or WSS for this account (put it first in Transport Protocols), or choose another media type
phone-media-failed = the call's media cannot start: { $reason }
phone-ice-failed = cannot start ICE: { $reason }
phone-no-rtp-port = cannot open an RTP port: { $reason }
phone-call-ended = the call has ended
phone-no-media-yet = the call has no media yet
phone-recording-required = `{ $account }` records these calls: recording cannot be stopped without Record on Demand
phone-on-demand-off = recording on demand is off for `{ $account }`: turn on Record on Demand under Call Recording
phone-no-recordings-folder = there is no folder for recordings
phone-no-call-to-transfer = there is no such call to transfer
phone-transfer-unanswered = only an answered call can be transferred
phone-transfer-pending = this call is already being transferred: wait for the outcome
phone-no-transfer-request = the other side no longer asks to transfer this call
phone-transfer-target-bad = `{ $target }` is not a number or SIP address to transfer to
net-dns-failed = cannot find the SIP server { $host }: { $reason }. Check the domain (or set an outbound proxy) and the network
net-cannot-reach = cannot reach { $flow }: { $reason }
tls-bad-ca-file = cannot read the CA file { $path }: { $reason }. Give a PEM file with the server's CA or certificate
tls-no-roots = no trusted root certificates: install the system CA bundle (ca-certificates) or give the server's CA with --tls-ca FILE
tls-failed = TLS setup failed: { $reason }

## Messages from the account core (the same text as the command line's)
item-exists = the { $kind ->
        [user] user
        [phone-number] phone number
        [internal-number] internal number
        [announcement] announcement
        [greeting] voicemail greeting
        [delivery-method] delivery method
       *[account] account
    } `{ $name }` exists already: choose another
item-not-found = there is no { $kind ->
        [user] user
        [phone-number] phone number
        [internal-number] internal number
        [announcement] announcement
        [greeting] voicemail greeting
        [delivery-method] delivery method
       *[account] account
    } `{ $name }`: check the spelling (list them with `handset { $command }`)
item-in-use = the { $kind ->
        [user] user
        [phone-number] phone number
        [internal-number] internal number
        [announcement] announcement
        [greeting] voicemail greeting
        [delivery-method] delivery method
       *[account] account
    } `{ $name }` is used by { $accounts }: change or delete those accounts first
item-built-in = the { $kind ->
        [greeting] voicemail greeting
       *[announcement] announcement
    } `{ $name }` is built in and cannot be removed
item-not-audio = a { $kind ->
        [user] user
        [phone-number] phone number
        [internal-number] internal number
        [delivery-method] delivery method
       *[account] account
    } is not an audio item
item-name-empty = the { $kind ->
        [user] user
        [phone-number] phone number
        [internal-number] internal number
        [announcement] announcement
        [greeting] voicemail greeting
        [delivery-method] delivery method
       *[account] account
    } name is empty: type a name
item-name-spaces = the { $kind ->
        [user] user
        [phone-number] phone number
        [internal-number] internal number
        [announcement] announcement
        [greeting] voicemail greeting
        [delivery-method] delivery method
       *[account] account
    } name `{ $name }` starts or ends with spaces: remove them
item-name-long = the { $kind ->
        [user] user
        [phone-number] phone number
        [internal-number] internal number
        [announcement] announcement
        [greeting] voicemail greeting
        [delivery-method] delivery method
       *[account] account
    } name is longer than 64 characters: shorten it
item-name-control = the { $kind ->
        [user] user
        [phone-number] phone number
        [internal-number] internal number
        [announcement] announcement
        [greeting] voicemail greeting
        [delivery-method] delivery method
       *[account] account
    } name contains control characters: use printable text only
item-number-no-plus = `{ $number }` is not in E.164 form: start with + and the country code, e.g. +14155550100
item-number-invalid = `{ $number }` is not in E.164 form: + followed by 8 to 15 digits, country code first, e.g. +14155550100
item-extension-invalid = `{ $extension }` is not an internal number: use 2 to 8 digits, e.g. 101
item-email-invalid = `{ $address }` is not an e-mail address, e.g. recordings@example.com
item-port-zero = port 0 is not usable: use 1 to 65535
item-folder-empty = the folder is empty: type the folder recordings go to, e.g. /Recordings
item-key-file-missing = there is no key file at { $file }: give the path of the private key to log in with (e.g. ~/.ssh/id_ed25519), or leave it empty to log in with the password
encryption-in-use = encryption cannot be turned off while accounts use encrypted media types or transports ({ $accounts }): change those accounts first
store-no-home = no home directory found: pass --profile DIR or set HANDSET_PROFILE
store-io = cannot { $action ->
        [create] create
        [read] read
        [write] write
        [lock] lock
        [copy] keep a copy of
       *[encode] encode
    } { $path }: { $reason }. Check that the folder exists, is writable and the disk is not full
store-damaged = the profile { $path } is damaged ({ $reason }). It was left untouched and a copy was kept at { $copy }. Repair it by hand, or move it away to start with an empty profile
store-too-new = the profile { $path } was written by a newer Handset (schema version { $found }, this one reads up to { $supported }): update Handset
store-locked = the profile { $path } is in use by another Handset process: close it or try again
keyring-unavailable = the system keyring is not available ({ $reason }). Handset keeps passwords only in the OS keyring: on Linux start and unlock a Secret Service provider (GNOME Keyring, KWallet or KeePassXC), then try again
keyring-locked = the system keyring refused access ({ $reason }): unlock it and try again
keyring-failed = the system keyring failed ({ $reason })
audio-read = cannot read { $path }: { $reason }
audio-unsupported = { $path } is not an audio file Handset can read ({ $reason }): use WAV, MP3, Ogg Vorbis, FLAC or M4A
audio-empty = { $path } contains no audio
audio-too-long = { $path } is longer than { $minutes } minutes: trim it first
audio-write = cannot write { $path }: { $reason }. Check free disk space
device-none = no audio { $direction } device: is PulseAudio (or PipeWire) running? ({ $reason })
device-unknown = there is no audio { $direction } device named `{ $name }`; available: { $available }
device-open-failed = cannot open the audio { $direction } device `{ $name }`: { $reason }
device-resampler = cannot resample between { $from } Hz and { $to } Hz: { $reason }
history-damaged = the call history { $path } is damaged ({ $reason }); move it aside to start a new one
history-unreadable = cannot read the call history { $path }: { $reason }
history-unsaved = cannot save the call history { $path }: { $reason }
reg-wrong-credentials = the server refused the username or password: check them
reg-auth-unsupported = the server asks for an authentication scheme Handset does not support
reg-min-expires-missing = the registrar wants a longer registration but gave no Min-Expires
reg-unavailable = the server is unavailable (503)
reg-unknown-user = the server does not know this user: check the username and domain
reg-answered = the registrar answered { $code }
reg-connection-lost = the connection to the server was lost
reg-no-answer = no answer from the registrar
reg-keepalive-lost = the server stopped answering keep-alives
reg-outside-allowed-ips = the server sees this phone at { $address }, which is not in Allowed IPs
transfer-no-call = the call does not exist
transfer-not-established = only an established call can be transferred
transfer-under-way = a transfer of this call is already under way
transfer-target-not-uri = the transfer target is not a SIP URI
transfer-auth-unsupported = the server asks for an unsupported authentication
transfer-no-answer = the far end did not answer the transfer request
transfer-no-final = the transfer ended without a final answer
transfer-silent = no news about the transfer for 30 s
# A reason phrase from a SIP answer, shown as the far end wrote it.
sip-reason = { $phrase }

## Delivery of recordings
ftp-failed = cannot deliver to the FTP server { $server }: { $reason }
ftp-login-refused = the FTP server { $server } refused the username or password: check them in the delivery method
sftp-failed = cannot deliver to the SFTP server { $server }: { $reason }
sftp-login-refused = the SFTP server { $server } refused the login: check the username and the password or key file in the delivery method
sftp-key-unreadable = cannot use the key file { $file }: { $reason }. Give an OpenSSH or PEM private key, and its passphrase as the password if it has one
sftp-host-key-changed = the SFTP server { $server } shows another host key ({ $shown }) than before ({ $expected }): someone may be in the middle. If the server's key was changed on purpose, remove its line from { $file }
smtp-failed = cannot send the recording through the mail server { $server }: { $reason }
smtp-bad-address = `{ $address }` is not an e-mail address a mail server can take: check the delivery method
smtp-no-starttls = the mail server { $server } does not offer STARTTLS: choose TLS (port 465) in the delivery method, or check the server and port
smtp-login-refused = the mail server { $server } refused the username or password: check them in the delivery method
smtp-rejected = the mail server { $server } refused the message ({ $reply })
outbox-damaged = the queued delivery { $path } cannot be read ({ $reason }); it was left as it is
outbox-unsaved = cannot keep the delivery queue in { $path }: { $reason }. Check that the folder is writable and the disk is not full
delivery-method-missing = there is no delivery method `{ $method }` any more: add it again under Settings → Delivery Methods, or choose another for the account
delivery-unreadable = cannot read the recording { $path }: { $reason }
delivery-email-no-server = the delivery method `{ $method }` has no outgoing mail server: add one under Settings → Delivery Methods; the recording stays queued
mail-recording-subject = Call recording { $file }
mail-recording-body = Handset recorded a call of the account { $account }. The recording { $file } ({ $kilobytes } kB) is attached.

# Cloud drives (src/phone/cloud_delivery.rs, src/net/oauth.rs)
delivery-client-id = OAuth client ID (optional)
delivery-hint-cloud = After adding it, sign in to the service with the Sign in button in the list (your browser opens); the refresh token it gives goes to the keyring. Recordings wait in the outbox until then.
delivery-sign-in = Sign in
cloud-not-signed-in = { $service } ({ $method }) is not signed in: sign in from the Workspace pane (or `handset workspace sign-in { $method }`); the recording stays queued
cloud-sign-in-again = { $service } no longer accepts the sign-in of { $method } ({ $reason }): sign in again from the Workspace pane; the recording stays queued
cloud-token-failed = cannot renew the { $service } sign-in of { $method }: { $reason }
cloud-full = { $service } is full ({ $reason }): free some space there; the recording stays queued
cloud-failed = cannot deliver to { $service }: { $reason }
cloud-no-client-id = { $method } has no OAuth client ID: give the one of the app registered with { $service } (`--client-id`)
cloud-signed-in = { $method } is signed in to { $service }; its refresh token is in the keyring
cloud-not-cloud = { $method } is not a Dropbox, Google Drive or OneDrive method
delivery-client-secret = OAuth client secret (Google)
transfer-no-consultation = there is no answered consultation call to transfer to
call-put-through = Put through

# Settings → Diagnostics
nav-diagnostics = Diagnostics
diag-title = Diagnostics
diag-hint = The newest log lines and, while you record them, the SIP messages: passwords, keys and tokens are masked. Copy diagnostics puts a report for support on the clipboard (no username or password).
diag-log = Log
diag-sip = SIP messages
diag-record = Record SIP messages
diag-filter = Filter
diag-refresh = Refresh
diag-copy = Copy diagnostics
diag-copied = The diagnostics report is on the clipboard.
diag-empty = Nothing to show.
diag-sip-off = SIP messages are recorded only while "Record SIP messages" is on (they hold numbers and addresses).
diag-sent = sent to
diag-received = received from
