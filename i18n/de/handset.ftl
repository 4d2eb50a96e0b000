app-name = Handset
app-description = Ein natives Desktop-Softphone mit integrierter SIP-Kontoverwaltung

## Window
theme = Design
theme-system = System
theme-light = Hell
theme-dark = Dunkel
language = Sprache
loading = Profil wird geöffnet…
open-failed = Das Profil konnte nicht geöffnet werden: { $reason }
prefs-not-saved = Die Einstellungen konnten nicht gespeichert werden: { $reason }
no-display = Das Fenster kann nicht geöffnet werden: Es gibt keine Anzeige (weder DISPLAY noch WAYLAND_DISPLAY ist gesetzt). Starten Sie Handset in einer Desktop-Sitzung oder nutzen Sie die Befehle (siehe handset --help).
instance-forwarded = Handset läuft für dieses Profil bereits: Sein Fenster wurde in den Vordergrund geholt.
instance-unavailable = Möglicherweise läuft für dieses Profil ein weiteres Handset (sein Socket ist nicht nutzbar: { $reason }); dieses Fenster öffnet sich eigenständig.
autostart = Bei der Anmeldung starten
autostart-failed = Der Start bei der Anmeldung ließ sich nicht ändern: { $reason }
dismiss = Schließen

## Accounts pane
accounts-title = SIP-Konten
accounts-create = SIP-Konto anlegen
accounts-empty = Es gibt noch keine SIP-Konten: Legen Sie eines an oder importieren Sie unten eine CSV-Datei.
column-name = Name
column-user = Benutzer
column-address = SIP-Adresse
column-state = Status
state-inbound-only = Nur eingehend
state-inbound-outbound = Ein- und ausgehend
edit = Bearbeiten
delete = Löschen
keep = Behalten
delete-confirm = Das SIP-Konto „{ $name }“ löschen? Sein Passwort wird aus dem Schlüsselbund entfernt; dies lässt sich nicht rückgängig machen.
notice-saved = SIP-Konto „{ $name }“ gespeichert.
notice-deleted = SIP-Konto „{ $name }“ gelöscht.
notice-exported = { $count ->
    [one] 1 Konto nach { $path } geschrieben.
   *[other] { $count } Konten nach { $path } geschrieben.
}
notice-imported = Import abgeschlossen: { $created } angelegt, { $updated } geändert.
export-failed = Die CSV-Datei konnte nicht geschrieben werden: { $reason }
csv-export-title = SIP-Konten als CSV-Datei herunterladen
choose-file = Auswählen…
csv-download = CSV herunterladen
csv-include-passwords = Passwörter einschließen (Datei sicher aufbewahren)
csv-import-title = SIP-Konten aus einer CSV-Datei importieren
csv-import-placeholder = Pfad der CSV-Datei
csv-import = CSV importieren
csv-import-update = Vorhandene Konten mit gleichem Namen ändern
csv-import-failed = { $count ->
    [one] Die Datei hat 1 Problem, daher wurde nichts importiert:
   *[other] Die Datei hat { $count } Probleme, daher wurde nichts importiert:
}
csv-problem-line = Zeile { $line }
csv-problem-cell = Zeile { $line }, Spalte { $column }

## Account editor
editor-title-new = Neues SIP-Konto
editor-title-edit = SIP-Konto „{ $name }“ bearbeiten
section-general = Allgemein
section-inbound = Eingehende Anrufe
section-outbound = Ausgehende Anrufe
section-recording = Anrufaufzeichnung
section-advanced = Erweitert
section-credentials = Zugangsdaten
choose = Auswählen…
choice-none = Keine
choice-keep-local = Keine (Aufnahmen auf diesem Computer behalten)
field-name = Name
field-name-placeholder = z. B. Empfang
field-user = Benutzer
field-did-numbers = DID-Nummern
field-internal-numbers = Interne Nummern
empty-phone-numbers = Der Arbeitsbereich hat noch keine Rufnummern: Fügen Sie sie unter Arbeitsbereich → Rufnummern hinzu.
empty-internal-numbers = Der Arbeitsbereich hat noch keine internen Nummern: Fügen Sie sie unter Arbeitsbereich → Interne Nummern hinzu.
field-when-unavailable = Wenn das SIP-Konto nicht erreichbar ist
unavailable-do-nothing = Nichts tun
unavailable-voicemail = An Voicemail weiterleiten
field-voicemail-audio = Voicemail-Ansage
field-outbound-enabled = Ausgehende Anrufe aktivieren
hint-outbound-default = Ausgehende Anrufe von diesem SIP-Gerät sind standardmäßig deaktiviert.
field-external-caller-id = Externe Anrufer-ID
field-internal-caller-ids = Interne Anrufer-IDs
field-internal-announcement = Interne Ansage
field-external-announcement = Externe Ansage
upload-announcement = Eine Aufnahme in den Ansagen-Katalog hochladen
upload-done = Ansage „{ $name }“ hochgeladen: Wählen Sie sie oben aus.
field-recording-enabled = Anrufaufzeichnung aktivieren
field-recording-directions = Aufzeichnungsrichtung
direction-inbound-internal = Eingehend intern
direction-inbound-internal-hint = Anrufe zwischen internen Nebenstellen.
direction-inbound-external = Eingehend extern
direction-inbound-external-hint = Anrufe von externen Nummern an interne Nebenstellen.
direction-outbound-internal = Ausgehend intern
direction-outbound-internal-hint = Anrufe zwischen internen Nebenstellen.
direction-outbound-external = Ausgehend extern
direction-outbound-external-hint = Anrufe von internen Nebenstellen an externe Nummern.
field-record-on-demand = Aufzeichnung auf Abruf
field-feature-code = Funktionscode
field-delivery-method = Zustellmethode
hint-recording-delivery = Aufnahmen werden nach jedem Anruf versendet; etwa 7 MB pro Stunde. E-Mail-Server können große Dateien ablehnen.
field-allowed-ips-enabled = Erlaubte IPs aktivieren
field-allowed-ips = Erlaubte IPs
field-allowed-ips-placeholder = IPv4- oder IPv6-Adressen oder CIDR-Bereiche, durch Leerzeichen getrennt
hint-allowed-ips = Die Registrierung wird nur von diesen Adressen angenommen. Leertaste oder Eingabe fügt einen Eintrag hinzu.
field-codecs = Codecs
codecs-add = Hinzufügen:
hint-telephone-event = telephone-event muss in der Liste stehen, damit interaktive Menüs und Funktionscodes mit Zifferneingabe funktionieren.
field-media-types = Medientypen
media-rtp = RTP (ungesichertes Real-time Transport Protocol)
media-srtp-sdes = SRTP-SDES (Secure Real-time Transport Protocol – Session Description Protocol Security Descriptions)
media-srtp-dtls = SRTP-DTLS (Secure Real-time Transport Protocol – Datagram Transport Layer Security)
field-transports = Transportprotokoll
transport-tcp = TCP (Transmission Control Protocol)
transport-udp = UDP (User Datagram Protocol)
transport-tls = TLS (Transport Layer Security)
transport-wss = WSS (WebSocket Secure)
hint-encryption-off = Verschlüsselte Medientypen und Transportprotokolle sind für diesen Arbeitsbereich deaktiviert. Schalten Sie die Verschlüsselung auf der Seite Arbeitsbereich ein, um sie auszuwählen.
field-domain = Domäne
field-username = Benutzername
field-username-placeholder = Leer lassen für { $username }
field-password = Passwort
field-new-password = Neues Passwort
field-password-placeholder-new = Leer lassen, um ein sicheres Passwort zu erzeugen
field-password-placeholder-edit = Leer lassen, um das bisherige Passwort zu behalten
field-port = Port
field-outbound-proxy = Ausgehender Proxy
error-port = „{ $port }“ ist kein Port: Verwenden Sie 1 bis 65535 oder lassen Sie das Feld für den Standard leer
credentials-loading = Zugangsdaten werden aus dem Schlüsselbund gelesen…
credentials-unreadable = Die Zugangsdaten konnten nicht gelesen werden: { $reason }
credentials-no-password = (nicht im Schlüsselbund)
show = Anzeigen
hide = Verbergen
copy = Kopieren
copy-all = Alles kopieren (SIP-URI und Passwort)
copied-username = Benutzername in die Zwischenablage kopiert
copied-password = Passwort in die Zwischenablage kopiert
copied-domain = Domäne in die Zwischenablage kopiert
copied-all = SIP-URI, Benutzername, Passwort und Domäne in die Zwischenablage kopiert
copy-unavailable = Hier gibt es keine Zwischenablage ({ $reason }): Es wurde nichts kopiert.
save = Speichern
cancel = Abbrechen
problems-to-fix = { $count ->
    [one] Vor dem Speichern ist 1 Problem zu beheben.
   *[other] Vor dem Speichern sind { $count } Probleme zu beheben.
}

## Navigation
nav-accounts = Konten
nav-workspace = Arbeitsbereich
add = Hinzufügen
remove = Entfernen

## Workspace catalogues (Settings)
workspace-title = Arbeitsbereich
workspace-users = Benutzer
workspace-user-name = Name
workspace-user-email = E-Mail (optional)
workspace-phone-numbers = Rufnummern
workspace-internal-numbers = Interne Nummern
workspace-label = Bezeichnung
workspace-announcements = Ansagen
workspace-greetings = Voicemail-Ansagen
workspace-delivery-methods = Zustellmethoden
workspace-built-in = eingebaut
workspace-play = Abspielen
workspace-stop = Stopp
workspace-empty = Noch keine.
workspace-audio-file = Pfad der Audiodatei
upload = Hochladen
workspace-upload-hint = WAV, MP3, Ogg Vorbis, FLAC oder M4A; wird dekodiert und im Profil gespeichert.
delivery-address = Adresse
delivery-host = Server
delivery-folder = Ordner
delivery-path = Ordner auf dem Server
delivery-hint-ftp = Aufnahmen werden nach jedem Anruf hochgeladen; ein fehlgeschlagener Upload wird später wiederholt. FTP überträgt Passwort und Aufnahmen unverschlüsselt: nur in vertrauenswürdigen Netzen verwenden.
delivery-hint-sftp = Aufnahmen werden nach jedem Anruf über SSH hochgeladen; ein fehlgeschlagener Upload wird später wiederholt. Der Host-Schlüssel des Servers wird beim ersten Mal übernommen und danach jedes Mal geprüft.
delivery-ftp-tls = Explizites TLS (FTPS)
delivery-hint-ftps = Aufnahmen werden nach jedem Anruf über FTPS hochgeladen (explizites TLS: Anmeldung und Aufnahmen sind verschlüsselt); ein fehlgeschlagener Upload wird später wiederholt. Diesem Computer muss das Zertifikat des Servers vertrauenswürdig sein.
delivery-key-file = Private Schlüsseldatei (optional, statt des Passworts)
delivery-password-or-passphrase = Passwort oder Passphrase des Schlüssels
delivery-mail-server = Postausgangsserver
delivery-hint-email = Aufnahmen werden nach jedem Anruf über diesen Postausgangsserver per E-Mail verschickt; ein fehlgeschlagener Versand wird später wiederholt. Eine Nachricht, die der Server ablehnt (zu groß), kann nicht zugestellt werden: die Aufnahme bleibt im Aufnahmeordner.
delivery-hint-email-clear = Ohne Verschlüsselung gehen Anmeldung und Aufnahmen unverschlüsselt über das Netz: nur in vertrauenswürdigen Netzen verwenden. Eine Nachricht, die der Server ablehnt (zu groß), kann nicht zugestellt werden.
workspace-encryption = Verschlüsselung
workspace-encryption-switch = Verschlüsselte Medientypen und Transportprotokolle erlauben
workspace-encryption-hint = SRTP-SDES, SRTP-DTLS, TLS und WSS können nur gewählt werden, solange dies eingeschaltet ist.

## First run
welcome-title = Willkommen bei Handset
welcome-step-user = 1. Wer nutzt das Konto?
welcome-user-hint = Jedes SIP-Konto gehört zu einem Benutzer des Arbeitsbereichs. Legen Sie den ersten an:
welcome-users = Benutzer: { $names }
welcome-step-account = 2. Das erste SIP-Konto anlegen
welcome-add-account = Erstes SIP-Konto anlegen
welcome-or-import = Oder SIP-Konten aus einer CSV-Datei importieren:
welcome-skip = Überspringen: zu den Konten

## Phone
nav-phone = Telefon
phone-account = Konto
phone-number-placeholder = Nummer oder SIP-Adresse
phone-call = Anrufen
phone-dnd = Nicht stören (eingehende Anrufe ablehnen)
phone-no-account = Wählen Sie ein Konto, von dem aus angerufen wird.
phone-outbound-off = Ausgehende Anrufe sind für „{ $name }“ ausgeschaltet: Schalten Sie sie im Abschnitt „Ausgehende Anrufe“ des Kontos ein.
phone-enter-number = Geben Sie eine Nummer ein oder nutzen Sie die Wähltasten.
phone-not-a-number = Die Zwischenablage enthält keine Telefonnummer und keine SIP-Adresse.
phone-call-failed = Der Anruf kam nicht zustande: { $reason }
phone-history-not-saved = Die Anrufliste konnte nicht gespeichert werden: { $reason }
phone-history-unreadable = Die Anrufliste konnte nicht gelesen werden ({ $reason }); die Anrufe dieser Sitzung bleiben bis zum Schließen des Fensters erhalten.
phone-stopped = Das Telefon wurde beendet: Starten Sie Handset neu, um anzurufen.
phone-recording-saved = Gesprächsaufzeichnung gespeichert: { $path }
phone-recording-delivered = Die Gesprächsaufzeichnung wurde an { $method } gesendet.
phone-recording-not-delivered = Die Gesprächsaufzeichnung konnte nicht an { $method } gesendet werden: { $reason }. Neuer Versuch in { $seconds } s; sie bleibt im Aufnahmeordner.
phone-recording-rejected = Die Aufnahme wurde von { $method } abgelehnt und wird nicht erneut gesendet: { $reason }. Sie bleibt im Aufnahmeordner.
phone-recording-failed = Die Gesprächsaufzeichnung ist fehlgeschlagen: { $reason }
reg-registering = Wird registriert…
reg-registered = Registriert
reg-unregistered = Nicht registriert
reg-failed = Registrierung fehlgeschlagen: { $reason }
history-title = Letzte Anrufe
history-empty = Noch keine Anrufe.
history-in = Eingehend
history-out = Ausgehend
history-missed = Verpasst
history-declined = Abgelehnt
history-voicemail = Voicemail
history-play-voicemail = Nachricht abspielen
history-failed = Nicht erreicht
history-called = { $called } auf { $account }

## Calls
call-none = Kein Anruf.
call-dialling = Wird angerufen…
call-ringing = Es klingelt…
call-incoming = Eingehender Anruf
call-talking = Verbunden
call-on-hold = Gehalten
call-on-account = Über { $account }
call-mute = Stumm
call-unmute = Stumm aus
call-hold = Halten
call-resume = Fortsetzen
call-hangup = Auflegen
call-switch = Zu diesem Anruf wechseln
call-others = Weitere Anrufe
call-unknown = unbekannt
call-encrypted = verschlüsselt ({ $method })
call-unencrypted = unverschlüsselt
call-media = Codec { $codec }, { $encryption }
call-quality = Verlust { $loss } % · Jitter { $jitter } ms · RTT { $rtt }
call-input-level = Mikrofon
call-output-level = Lautsprecher
call-record = Aufnehmen
call-record-stop = Aufnahme beenden
call-recording = ● Aufnahme
call-record-off = Aufnahme auf Abruf ist für dieses Konto aus: „Aufnahme auf Abruf“ im Abschnitt Gesprächsaufzeichnung einschalten.
call-record-policy = Dieses Konto zeichnet diese Gespräche auf; ohne „Aufnahme auf Abruf“ lässt sich die Aufnahme nicht anhalten.
call-transfer = Weiterleiten
call-transfer-placeholder = Nummer oder SIP-Adresse
call-transfer-now = Jetzt weiterleiten
call-transfer-asked = Die Gegenseite möchte diesen Anruf zu { $target } weiterleiten.
call-transfer-accept = Weiterleitung annehmen
call-transfer-decline = Ablehnen
call-transfer-calling = { $target } wird angerufen; dieser Anruf endet, sobald dort abgenommen wird.
call-transfer-cancel = Abbrechen
call-transferring = Weiterleitung an { $target }…
call-transfer-accepted = Die Weiterleitung wurde angenommen; die Gegenseite wird verbunden…
call-transfer-ringing = Weiterleitung: es klingelt…
call-transfer-done = Weitergeleitet.
call-transfer-failed = Die Weiterleitung ist fehlgeschlagen ({ $code } { $reason }); das Gespräch läuft weiter.
incoming-title = Eingehender Anruf
missed-title = Verpasster Anruf
missed-voicemail = Eine Sprachnachricht wurde hinterlassen.
missed-call-back = Zurückrufen
incoming-called = An { $called } über { $account }
incoming-account = Über { $account }
incoming-answer = Annehmen
incoming-decline = Ablehnen

## Settings: audio
nav-audio = Audio
audio-title = Audiogeräte
audio-applies = Änderungen gelten ab dem nächsten Anruf.
audio-listing = Suche nach Audiogeräten…
audio-unavailable = Die Audiogeräte können nicht aufgelistet werden: { $reason }
audio-input = Mikrofon
audio-output = Lautsprecher
audio-ring = Klingelton über
audio-default = Systemstandard
audio-not-connected = { $name } (nicht verbunden)
audio-test-tone = Testton abspielen
audio-mic-test = Mikrofon testen
audio-mic-silent = still
audio-echo-cancellation = Echounterdrückung
audio-noise-suppression = Rauschunterdrückung
audio-refresh = Erneut nach Geräten suchen

## Account problems (the account core's validation; the same text as the command line's)
problem-name-empty = Der Kontoname ist leer: Namen eingeben
problem-name-spaces = Der Kontoname `{ $name }` beginnt oder endet mit Leerzeichen: entfernen
problem-name-long = Der Kontoname ist länger als 64 Zeichen: kürzen
problem-name-control = Der Kontoname enthält Steuerzeichen: nur druckbaren Text verwenden
problem-name-taken = Ein anderes Konto heißt bereits `{ $name }`: anderen Namen wählen
problem-user-missing = Den Benutzer wählen, dem dieses Konto zugeordnet ist
problem-user-unknown = `{ $user }` ist kein Benutzer des Arbeitsbereichs: zuerst unter Einstellungen → Benutzer anlegen oder einen anderen wählen
problem-did-unknown = `{ $number }` ist keine Rufnummer des Arbeitsbereichs: zuerst unter Einstellungen → Rufnummern anlegen
problem-internal-number-unknown = `{ $number }` ist keine interne Nummer des Arbeitsbereichs: zuerst unter Einstellungen → Interne Nummern anlegen
problem-greeting-missing = „An Voicemail weiterleiten“ braucht eine Voicemail-Ansage: eine Ansage wählen
problem-greeting-unknown = `{ $name }` ist keine Voicemail-Ansage: unter Einstellungen → Voicemail-Ansagen hochladen oder eine andere wählen
problem-caller-id-missing = Ausgehende Anrufe sind aktiviert: die externe Anrufer-ID wählen (eine Rufnummer des Arbeitsbereichs)
problem-caller-id-unknown = `{ $number }` ist keine Rufnummer des Arbeitsbereichs: unter Einstellungen → Rufnummern anlegen oder eine andere wählen
problem-internal-caller-id-unknown = `{ $number }` ist keine interne Nummer des Arbeitsbereichs: eine vorhandene Durchwahl wählen
problem-announcement-unknown = `{ $name }` ist keine Ansage: unter Einstellungen → Ansagen hochladen oder eine andere wählen
problem-recording-nothing = Die Aufzeichnung ist aktiviert, zeichnet aber nichts auf: mindestens eine Richtung ankreuzen oder „Aufnahme auf Abruf“ einschalten
problem-feature-code-missing = „Aufnahme auf Abruf“ braucht einen Funktionscode zum Wählen, z. B. *1
problem-feature-code-invalid = `{ $code }` ist kein Funktionscode: 1 bis 16 der Tasten 0-9, * und # verwenden, z. B. *1
problem-feature-code-clash = `{ $code }` kollidiert mit `{ $other }` des Kontos `{ $account }`: der eine würde statt des anderen gewählt; einen Code wählen, der kein Präfix eines anderen ist
problem-on-demand-needs-digits = „Aufnahme auf Abruf“ braucht Tasteneingaben: telephone-event zu den Codecs hinzufügen
problem-delivery-unknown = `{ $name }` ist keine Zustellmethode: unter Einstellungen → Zustellmethoden anlegen oder eine andere wählen
problem-allowed-ips-empty = „Erlaubte IPs“ ist aktiviert, aber die Liste ist leer: die Adressen eintragen, von denen sich Geräte anmelden, oder deaktivieren
problem-codec-missing = Mindestens einen Audio-Codec wählen, z. B. OPUS oder PCMU
problem-codec-twice = Ein Codec steht doppelt in der Liste: jeden nur einmal behalten
problem-media-type-missing = Mindestens einen Medientyp wählen, z. B. RTP
problem-media-type-twice = Ein Medientyp steht doppelt in der Liste: jeden nur einmal behalten
problem-transport-missing = Mindestens ein Transportprotokoll wählen, z. B. UDP
problem-transport-twice = Ein Transport steht doppelt in der Liste: jeden nur einmal behalten
problem-encrypted-locked = { $item } ist verschlüsselt, und verschlüsselte Medientypen und Transporte sind in diesem Arbeitsbereich deaktiviert: zuerst die Verschlüsselung in den Einstellungen einschalten
problem-username-missing = Einen SIP-Benutzernamen eingeben oder leer lassen, damit einer erzeugt wird
problem-username-invalid = `{ $username }` ist kein gültiger SIP-Benutzername: bis zu 64 Buchstaben, Ziffern und - _ . ! ~ * ' ( ) & = + $ , ; ? / verwenden
problem-username-taken = `{ $address }` wird bereits von einem anderen Konto verwendet: anderen Benutzernamen wählen
problem-domain-missing = Die SIP-Domain oder den Registrar eingeben, z. B. sip.example.com
problem-host-invalid = `{ $host }` ist kein Hostname und keine IP-Adresse, z. B. sip.example.com
problem-port-zero = Port 0 ist nicht nutzbar: 1 bis 65535 verwenden oder für den Standard leer lassen
problem-port-invalid = `{ $address }` hat einen ungültigen Port: 1 bis 65535 verwenden

## Messages from the phone (the same text as the command line's)
phone-account-not-active = Das Konto `{ $account }` ist nicht aktiv
phone-account-removed = Das Konto wurde entfernt
phone-outbound-disabled = Ausgehende Anrufe sind für `{ $account }` deaktiviert: unter „Ausgehende Anrufe“ einschalten (mit einer externen Anrufer-ID), um anzurufen
phone-not-connected = Noch nicht mit dem Server verbunden
phone-no-server = Kein Server erreichbar: { $reasons }
phone-ip-not-allowed = Die Adresse dieses Computers ({ $address }) steht nicht in den erlaubten IPs des Kontos: Registrierung verweigert. Unter Erweitert → Erlaubte IPs hinzufügen oder die erlaubten IPs ausschalten
phone-sdes-needs-tls = SRTP-SDES würde die Medienschlüssel im Klartext über { $transport } senden: für dieses Konto TLS oder WSS verwenden (an erster Stelle beim Transportprotokoll) oder einen anderen Medientyp wählen
phone-media-failed = Die Medien des Anrufs können nicht starten: { $reason }
phone-ice-failed = ICE kann nicht starten: { $reason }
phone-no-rtp-port = Kein RTP-Port verfügbar: { $reason }
phone-call-ended = Der Anruf ist beendet
phone-no-media-yet = Der Anruf hat noch keine Medien
phone-recording-required = `{ $account }` zeichnet diese Anrufe auf: ohne „Aufnahme auf Abruf“ kann die Aufnahme nicht angehalten werden
phone-on-demand-off = Aufnahme auf Abruf ist für `{ $account }` aus: „Aufnahme auf Abruf“ im Abschnitt Anrufaufzeichnung einschalten
phone-no-recordings-folder = Es gibt keinen Ordner für Aufnahmen
phone-no-call-to-transfer = Diesen Anruf gibt es nicht mehr
phone-transfer-unanswered = Nur ein angenommener Anruf kann weitergeleitet werden
phone-transfer-pending = Dieser Anruf wird bereits weitergeleitet: auf das Ergebnis warten
phone-no-transfer-request = Die Gegenseite bittet nicht mehr darum, diesen Anruf weiterzuleiten
phone-transfer-target-bad = `{ $target }` ist keine Nummer und keine SIP-Adresse zum Weiterleiten
net-dns-failed = Der SIP-Server { $host } wird nicht gefunden: { $reason }. Domain (oder einen Outbound-Proxy) und das Netzwerk prüfen
net-cannot-reach = { $flow } ist nicht erreichbar: { $reason }
tls-bad-ca-file = Die CA-Datei { $path } kann nicht gelesen werden: { $reason }. Eine PEM-Datei mit der CA oder dem Zertifikat des Servers angeben
tls-no-roots = Keine vertrauenswürdigen Stammzertifikate: das System-CA-Paket (ca-certificates) installieren oder die CA des Servers mit --tls-ca DATEI angeben
tls-failed = TLS-Einrichtung fehlgeschlagen: { $reason }

## Messages from the account core (the same text as the command line's)
item-exists = { $kind ->
        [user] Der Benutzer
        [phone-number] Die Rufnummer
        [internal-number] Die interne Nummer
        [announcement] Die Ansage
        [greeting] Die Voicemail-Ansage
        [delivery-method] Die Zustellmethode
       *[account] Das Konto
    } `{ $name }` gibt es bereits: einen anderen Namen wählen
item-not-found = Es gibt { $kind ->
        [user] keinen Benutzer
        [phone-number] keine Rufnummer
        [internal-number] keine interne Nummer
        [announcement] keine Ansage
        [greeting] keine Voicemail-Ansage
        [delivery-method] keine Zustellmethode
       *[account] kein Konto
    } `{ $name }`: die Schreibweise prüfen (Liste mit `handset { $command }`)
item-in-use = { $kind ->
        [user] Der Benutzer
        [phone-number] Die Rufnummer
        [internal-number] Die interne Nummer
        [announcement] Die Ansage
        [greeting] Die Voicemail-Ansage
        [delivery-method] Die Zustellmethode
       *[account] Das Konto
    } `{ $name }` wird von { $accounts } verwendet: zuerst diese Konten ändern oder löschen
item-built-in = { $kind ->
        [greeting] Die Voicemail-Ansage
       *[announcement] Die Ansage
    } `{ $name }` ist eingebaut und kann nicht entfernt werden
item-not-audio = { $kind ->
        [user] Ein Benutzer
        [phone-number] Eine Rufnummer
        [internal-number] Eine interne Nummer
        [delivery-method] Eine Zustellmethode
       *[account] Ein Konto
    } ist kein Audio-Eintrag
item-name-empty = Der Name { $kind ->
        [user] des Benutzers
        [phone-number] der Rufnummer
        [internal-number] der internen Nummer
        [announcement] der Ansage
        [greeting] der Voicemail-Ansage
        [delivery-method] der Zustellmethode
       *[account] des Kontos
    } ist leer: einen Namen eingeben
item-name-spaces = Der Name { $kind ->
        [user] des Benutzers
        [phone-number] der Rufnummer
        [internal-number] der internen Nummer
        [announcement] der Ansage
        [greeting] der Voicemail-Ansage
        [delivery-method] der Zustellmethode
       *[account] des Kontos
    } `{ $name }` beginnt oder endet mit Leerzeichen: diese entfernen
item-name-long = Der Name { $kind ->
        [user] des Benutzers
        [phone-number] der Rufnummer
        [internal-number] der internen Nummer
        [announcement] der Ansage
        [greeting] der Voicemail-Ansage
        [delivery-method] der Zustellmethode
       *[account] des Kontos
    } ist länger als 64 Zeichen: kürzen
item-name-control = Der Name { $kind ->
        [user] des Benutzers
        [phone-number] der Rufnummer
        [internal-number] der internen Nummer
        [announcement] der Ansage
        [greeting] der Voicemail-Ansage
        [delivery-method] der Zustellmethode
       *[account] des Kontos
    } enthält Steuerzeichen: nur druckbaren Text verwenden
item-number-no-plus = `{ $number }` ist nicht im E.164-Format: mit + und der Landesvorwahl beginnen, z. B. +14155550100
item-number-invalid = `{ $number }` ist nicht im E.164-Format: + und 8 bis 15 Ziffern, Landesvorwahl zuerst, z. B. +14155550100
item-extension-invalid = `{ $extension }` ist keine interne Nummer: 2 bis 8 Ziffern verwenden, z. B. 101
item-email-invalid = `{ $address }` ist keine E-Mail-Adresse, z. B. recordings@example.com
item-port-zero = Port 0 ist nicht nutzbar: 1 bis 65535 verwenden
item-folder-empty = Der Ordner ist leer: den Ordner für die Aufnahmen eingeben, z. B. /Recordings
item-key-file-missing = Unter { $file } gibt es keine Schlüsseldatei: den Pfad des privaten Schlüssels für die Anmeldung angeben (z. B. ~/.ssh/id_ed25519) oder leer lassen, um sich mit dem Passwort anzumelden
encryption-in-use = Die Verschlüsselung kann nicht ausgeschaltet werden, solange Konten verschlüsselte Medientypen oder Transporte verwenden ({ $accounts }): zuerst diese Konten ändern
store-no-home = Kein Benutzerverzeichnis gefunden: --profile VERZEICHNIS angeben oder HANDSET_PROFILE setzen
store-io = { $path } kann nicht { $action ->
        [create] angelegt
        [read] gelesen
        [write] geschrieben
        [lock] gesperrt
        [copy] kopiert
       *[encode] kodiert
    } werden: { $reason }. Prüfen, ob der Ordner existiert und beschreibbar ist und die Festplatte nicht voll ist
store-damaged = Das Profil { $path } ist beschädigt ({ $reason }). Es blieb unverändert, eine Kopie liegt unter { $copy }. Von Hand reparieren oder beiseite legen, um mit einem leeren Profil zu beginnen
store-too-new = Das Profil { $path } wurde von einem neueren Handset geschrieben (Schema-Version { $found }, diese Version liest bis { $supported }): Handset aktualisieren
store-locked = Das Profil { $path } wird von einem anderen Handset-Prozess verwendet: diesen schließen oder erneut versuchen
keyring-unavailable = Der System-Schlüsselbund ist nicht verfügbar ({ $reason }). Handset speichert Passwörter nur im Schlüsselbund des Systems: unter Linux einen Secret-Service-Anbieter (GNOME Keyring, KWallet oder KeePassXC) starten und entsperren, dann erneut versuchen
keyring-locked = Der System-Schlüsselbund verweigert den Zugriff ({ $reason }): entsperren und erneut versuchen
keyring-failed = Der System-Schlüsselbund ist fehlgeschlagen ({ $reason })
audio-read = { $path } kann nicht gelesen werden: { $reason }
audio-unsupported = { $path } ist keine Audiodatei, die Handset lesen kann ({ $reason }): WAV, MP3, Ogg Vorbis, FLAC oder M4A verwenden
audio-empty = { $path } enthält kein Audio
audio-too-long = { $path } ist länger als { $minutes } Minuten: zuerst kürzen
audio-write = { $path } kann nicht geschrieben werden: { $reason }. Freien Speicherplatz prüfen
device-none = Kein Audio-{ $direction ->
        [input] Eingabegerät
       *[output] Ausgabegerät
    }: läuft PulseAudio (oder PipeWire)? ({ $reason })
device-unknown = Es gibt kein Audio-{ $direction ->
        [input] Eingabegerät
       *[output] Ausgabegerät
    } namens `{ $name }`; verfügbar: { $available }
device-open-failed = Das Audio-{ $direction ->
        [input] Eingabegerät
       *[output] Ausgabegerät
    } `{ $name }` kann nicht geöffnet werden: { $reason }
device-resampler = Umrechnung zwischen { $from } Hz und { $to } Hz nicht möglich: { $reason }
history-damaged = Die Anrufliste { $path } ist beschädigt ({ $reason }); beiseite legen, um eine neue zu beginnen
history-unreadable = Die Anrufliste { $path } kann nicht gelesen werden: { $reason }
history-unsaved = Die Anrufliste { $path } kann nicht gespeichert werden: { $reason }
reg-wrong-credentials = Der Server hat Benutzername oder Passwort abgelehnt: beides prüfen
reg-auth-unsupported = Der Server verlangt ein Anmeldeverfahren, das Handset nicht unterstützt
reg-min-expires-missing = Der Registrar verlangt eine längere Registrierung, nennt aber kein Min-Expires
reg-unavailable = Der Server ist nicht verfügbar (503)
reg-unknown-user = Der Server kennt diesen Benutzer nicht: Benutzername und Domain prüfen
reg-answered = Der Registrar antwortete { $code }
reg-connection-lost = Die Verbindung zum Server ist abgerissen
reg-no-answer = Keine Antwort vom Registrar
reg-keepalive-lost = Der Server beantwortet keine Keep-alives mehr
reg-outside-allowed-ips = Der Server sieht dieses Telefon unter { $address }, die nicht in den erlaubten IPs steht
transfer-no-call = Der Anruf existiert nicht
transfer-not-established = Nur ein verbundener Anruf kann weitergeleitet werden
transfer-under-way = Dieser Anruf wird bereits weitergeleitet
transfer-target-not-uri = Das Weiterleitungsziel ist keine SIP-URI
transfer-auth-unsupported = Der Server verlangt ein nicht unterstütztes Anmeldeverfahren
transfer-no-answer = Die Gegenseite hat auf die Weiterleitung nicht geantwortet
transfer-no-final = Die Weiterleitung endete ohne abschließende Antwort
transfer-silent = Seit 30 s keine Nachricht zur Weiterleitung
# A reason phrase from a SIP answer, shown as the far end wrote it.
sip-reason = { $phrase }

## Delivery of recordings
ftp-failed = Zustellung an den FTP-Server { $server } fehlgeschlagen: { $reason }
ftp-login-refused = Der FTP-Server { $server } hat Benutzername oder Passwort abgelehnt: beides in der Zustellmethode prüfen
sftp-failed = Zustellung an den SFTP-Server { $server } fehlgeschlagen: { $reason }
sftp-login-refused = Der SFTP-Server { $server } hat die Anmeldung abgelehnt: Benutzername und Passwort oder Schlüsseldatei in der Zustellmethode prüfen
sftp-key-unreadable = Die Schlüsseldatei { $file } ist nicht verwendbar: { $reason }. Einen privaten OpenSSH- oder PEM-Schlüssel angeben und seine Passphrase, falls vorhanden, als Passwort
sftp-host-key-changed = Der SFTP-Server { $server } zeigt einen anderen Host-Schlüssel ({ $shown }) als zuvor ({ $expected }): möglicherweise liest jemand mit. Wurde der Schlüssel absichtlich geändert, seine Zeile aus { $file } entfernen
smtp-failed = Versand der Aufnahme über den Mailserver { $server } fehlgeschlagen: { $reason }
smtp-bad-address = `{ $address }` ist keine E-Mail-Adresse, die ein Mailserver annimmt: Zustellmethode prüfen
smtp-no-starttls = Der Mailserver { $server } bietet kein STARTTLS an: in der Zustellmethode TLS (Port 465) wählen oder Server und Port prüfen
smtp-login-refused = Der Mailserver { $server } hat Benutzername oder Passwort abgelehnt: beides in der Zustellmethode prüfen
smtp-rejected = Der Mailserver { $server } hat die Nachricht abgelehnt ({ $reply })
outbox-damaged = Die wartende Zustellung { $path } ist nicht lesbar ({ $reason }); sie blieb unverändert
outbox-unsaved = Die Zustell-Warteschlange kann nicht unter { $path } gespeichert werden: { $reason }. Prüfen, ob der Ordner beschreibbar und die Festplatte nicht voll ist
delivery-method-missing = Die Zustellmethode `{ $method }` gibt es nicht mehr: unter Einstellungen → Zustellmethoden wieder anlegen oder für das Konto eine andere wählen
delivery-unreadable = Die Aufnahme { $path } kann nicht gelesen werden: { $reason }
delivery-email-no-server = Die Zustellmethode `{ $method }` hat keinen Postausgangsserver: unter Einstellungen → Zustellmethoden einen hinzufügen; die Aufnahme bleibt in der Warteschlange
mail-recording-subject = Anrufaufnahme { $file }
mail-recording-body = Handset hat einen Anruf des Kontos { $account } aufgenommen. Die Aufnahme { $file } ({ $kilobytes } kB) ist angehängt.

# Cloud drives (src/phone/cloud_delivery.rs, src/net/oauth.rs)
delivery-client-id = OAuth-Client-ID (optional)
delivery-hint-cloud = Nach dem Hinzufügen mit „Anmelden“ in der Liste beim Dienst anmelden (der Browser öffnet sich); das Refresh-Token kommt in den Schlüsselbund. Bis dahin warten Aufnahmen in der Warteschlange.
delivery-sign-in = Anmelden
cloud-not-signed-in = { $service } ({ $method }) ist nicht angemeldet: im Bereich „Arbeitsbereich“ anmelden (oder `handset workspace sign-in { $method }`); die Aufnahme bleibt in der Warteschlange
cloud-sign-in-again = { $service } nimmt die Anmeldung von { $method } nicht mehr an ({ $reason }): im Bereich „Arbeitsbereich“ neu anmelden; die Aufnahme bleibt in der Warteschlange
cloud-token-failed = die Anmeldung von { $method } bei { $service } lässt sich nicht erneuern: { $reason }
cloud-full = { $service } ist voll ({ $reason }): dort Platz schaffen; die Aufnahme bleibt in der Warteschlange
cloud-failed = Zustellung an { $service } fehlgeschlagen: { $reason }
cloud-no-client-id = { $method } hat keine OAuth-Client-ID: die der bei { $service } registrierten App angeben (`--client-id`)
cloud-signed-in = { $method } ist bei { $service } angemeldet; das Refresh-Token liegt im Schlüsselbund
cloud-not-cloud = { $method } ist keine Dropbox-, Google-Drive- oder OneDrive-Methode
delivery-client-secret = OAuth-Client-Secret (Google)
transfer-no-consultation = es gibt kein angenommenes Rückfragegespräch, an das verbunden werden kann
call-put-through = Durchstellen

# Settings → Diagnostics
nav-diagnostics = Diagnose
diag-title = Diagnose
diag-hint = Die neuesten Protokollzeilen und, solange Sie sie aufzeichnen, die SIP-Nachrichten: Passwörter, Schlüssel und Token sind verdeckt. „Diagnose kopieren“ legt einen Bericht für den Support in die Zwischenablage (ohne Benutzernamen oder Passwort).
diag-log = Protokoll
diag-sip = SIP-Nachrichten
diag-record = SIP-Nachrichten aufzeichnen
diag-filter = Filter
diag-refresh = Aktualisieren
diag-copy = Diagnose kopieren
diag-copied = Der Diagnosebericht ist in der Zwischenablage.
diag-empty = Nichts anzuzeigen.
diag-sip-off = SIP-Nachrichten werden nur aufgezeichnet, solange „SIP-Nachrichten aufzeichnen“ an ist (sie enthalten Nummern und Adressen).
diag-sent = gesendet an
diag-received = empfangen von
