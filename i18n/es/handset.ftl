app-name = Handset
app-description = Un softphone nativo de escritorio con gestor de cuentas SIP integrado

## Window
theme = Tema
theme-system = Sistema
theme-light = Claro
theme-dark = Oscuro
language = Idioma
loading = Abriendo el perfil…
open-failed = No se pudo abrir el perfil: { $reason }
prefs-not-saved = No se pudieron guardar las preferencias: { $reason }
no-display = La ventana no puede abrirse: no hay pantalla (no está definida DISPLAY ni WAYLAND_DISPLAY). Ejecute Handset en una sesión de escritorio o use sus órdenes (vea handset --help).
instance-forwarded = Handset ya se está ejecutando para este perfil: su ventana se ha traído al frente.
instance-unavailable = Puede que otro Handset se esté ejecutando para este perfil (no se puede usar su socket: { $reason }); esta ventana se abre por su cuenta.
autostart = Iniciar al iniciar sesión
autostart-failed = No se pudo cambiar el inicio al iniciar sesión: { $reason }
dismiss = Cerrar

## Accounts pane
accounts-title = Cuentas SIP
accounts-create = Crear cuenta SIP
accounts-empty = Todavía no hay cuentas SIP: cree una o importe un archivo CSV más abajo.
column-name = Nombre
column-user = Usuario
column-address = Dirección SIP
column-state = Estado
state-inbound-only = Solo entrantes
state-inbound-outbound = Entrantes y salientes
edit = Editar
delete = Eliminar
keep = Conservar
delete-confirm = ¿Eliminar la cuenta SIP «{ $name }»? Su contraseña se borra del llavero; esto no se puede deshacer.
notice-saved = Cuenta SIP «{ $name }» guardada.
notice-deleted = Cuenta SIP «{ $name }» eliminada.
notice-exported = { $count ->
    [one] 1 cuenta escrita en { $path }.
   *[other] { $count } cuentas escritas en { $path }.
}
notice-imported = Importación terminada: { $created } creadas, { $updated } actualizadas.
export-failed = No se pudo escribir el archivo CSV: { $reason }
csv-export-title = Descargar las cuentas SIP en un archivo CSV
choose-file = Elegir…
csv-download = Descargar CSV
csv-include-passwords = Incluir las contraseñas (guarde el archivo en un lugar seguro)
csv-import-title = Importar cuentas SIP desde un archivo CSV
csv-import-placeholder = Ruta del archivo CSV
csv-import = Importar CSV
csv-import-update = Cambiar las cuentas existentes con el mismo nombre
csv-import-failed = { $count ->
    [one] El archivo tiene 1 problema, así que no se importó nada:
   *[other] El archivo tiene { $count } problemas, así que no se importó nada:
}
csv-problem-line = Línea { $line }
csv-problem-cell = Línea { $line }, columna { $column }

## Account editor
editor-title-new = Nueva cuenta SIP
editor-title-edit = Editar la cuenta SIP «{ $name }»
section-general = General
section-inbound = Llamadas entrantes
section-outbound = Llamadas salientes
section-recording = Grabación de llamadas
section-advanced = Avanzado
section-credentials = Credenciales
choose = Elegir…
choice-none = Ninguno
choice-keep-local = Ninguno (conservar las grabaciones en este equipo)
field-name = Nombre
field-name-placeholder = p. ej. Recepción
field-user = Usuario
field-did-numbers = Números DID
field-internal-numbers = Números internos
empty-phone-numbers = El espacio de trabajo aún no tiene números de teléfono: añádalos en Espacio de trabajo → Números de teléfono.
empty-internal-numbers = El espacio de trabajo aún no tiene números internos: añádalos en Espacio de trabajo → Números internos.
field-when-unavailable = Cuando la cuenta SIP no está disponible
unavailable-do-nothing = No hacer nada
unavailable-voicemail = Enviar al buzón de voz
field-voicemail-audio = Audio del buzón de voz
field-outbound-enabled = Activar llamadas salientes
hint-outbound-default = Las llamadas salientes desde este dispositivo SIP están desactivadas por defecto.
field-external-caller-id = Identificador de llamada externo
field-internal-caller-ids = Identificadores de llamada internos
field-internal-announcement = Anuncio interno
field-external-announcement = Anuncio externo
upload-announcement = Subir una grabación al catálogo de anuncios
upload-done = Anuncio «{ $name }» subido: elíjalo arriba.
field-recording-enabled = Activar la grabación de llamadas
field-recording-directions = Dirección de grabación
direction-inbound-internal = Entrantes internas
direction-inbound-internal-hint = Llamadas entre extensiones internas.
direction-inbound-external = Entrantes externas
direction-inbound-external-hint = Llamadas recibidas de números externos en extensiones internas.
direction-outbound-internal = Salientes internas
direction-outbound-internal-hint = Llamadas entre extensiones internas.
direction-outbound-external = Salientes externas
direction-outbound-external-hint = Llamadas de extensiones internas a números externos.
field-record-on-demand = Grabación bajo demanda
field-feature-code = Código de función
field-delivery-method = Método de entrega
hint-recording-delivery = Las grabaciones se envían después de cada llamada; unos 7 MB por hora. Los servidores de correo pueden rechazar archivos grandes.
field-allowed-ips-enabled = Activar IP permitidas
field-allowed-ips = IP permitidas
field-allowed-ips-placeholder = Escriba direcciones IPv4 o IPv6 o rangos CIDR, separados por espacios
hint-allowed-ips = El registro solo se acepta desde estas direcciones. Pulse Espacio o Intro para añadir una entrada.
field-codecs = Códecs
codecs-add = Añadir:
hint-telephone-event = telephone-event debe estar en la lista para los menús interactivos y los códigos de función que piden dígitos.
field-media-types = Tipos de medios
media-rtp = RTP (Real-time Transport Protocol sin cifrar)
media-srtp-sdes = SRTP-SDES (Secure Real-time Transport Protocol – Session Description Protocol Security Descriptions)
media-srtp-dtls = SRTP-DTLS (Secure Real-time Transport Protocol – Datagram Transport Layer Security)
field-transports = Protocolo de transporte
transport-tcp = TCP (Transmission Control Protocol)
transport-udp = UDP (User Datagram Protocol)
transport-tls = TLS (Transport Layer Security)
transport-wss = WSS (WebSocket Secure)
hint-encryption-off = Los tipos de medios y protocolos de transporte cifrados están desactivados en este espacio de trabajo. Active el cifrado en la página Espacio de trabajo para elegirlos.
field-domain = Dominio
field-username = Nombre de usuario
field-username-placeholder = Déjelo vacío para usar { $username }
field-password = Contraseña
field-new-password = Nueva contraseña
field-password-placeholder-new = Déjelo vacío para generar una contraseña segura
field-password-placeholder-edit = Déjelo vacío para conservar la contraseña actual
field-port = Puerto
field-outbound-proxy = Proxy de salida
error-port = «{ $port }» no es un puerto: use de 1 a 65535, o déjelo vacío para el predeterminado
credentials-loading = Leyendo las credenciales del llavero…
credentials-unreadable = No se pudieron leer las credenciales: { $reason }
credentials-no-password = (no está en el llavero)
show = Mostrar
hide = Ocultar
copy = Copiar
copy-all = Copiar todo (URI SIP y contraseña)
copied-username = Nombre de usuario copiado al portapapeles
copied-password = Contraseña copiada al portapapeles
copied-domain = Dominio copiado al portapapeles
copied-all = URI SIP, nombre de usuario, contraseña y dominio copiados al portapapeles
copy-unavailable = Aquí no hay portapapeles ({ $reason }): no se copió nada.
save = Guardar
cancel = Cancelar
problems-to-fix = { $count ->
    [one] Hay 1 problema que corregir antes de guardar.
   *[other] Hay { $count } problemas que corregir antes de guardar.
}

## Navigation
nav-accounts = Cuentas
nav-workspace = Espacio de trabajo
add = Añadir
remove = Quitar

## Workspace catalogues (Settings)
workspace-title = Espacio de trabajo
workspace-users = Usuarios
workspace-user-name = Nombre
workspace-user-email = Correo electrónico (opcional)
workspace-phone-numbers = Números de teléfono
workspace-internal-numbers = Números internos
workspace-label = Etiqueta
workspace-announcements = Anuncios
workspace-greetings = Saludos del buzón de voz
workspace-delivery-methods = Métodos de entrega
workspace-built-in = incluido
workspace-play = Reproducir
workspace-stop = Detener
workspace-empty = Ninguno todavía.
workspace-audio-file = Ruta del archivo de audio
upload = Subir
workspace-upload-hint = WAV, MP3, Ogg Vorbis, FLAC o M4A; se decodifica y se guarda con el perfil.
delivery-address = Dirección
delivery-host = Servidor
delivery-folder = Carpeta
delivery-path = Carpeta en el servidor
delivery-hint-ftp = Las grabaciones se suben después de cada llamada; una subida fallida se reintenta más tarde. FTP envía la contraseña y las grabaciones sin cifrar: úselo solo en redes de confianza.
delivery-hint-sftp = Las grabaciones se suben por SSH después de cada llamada; una subida fallida se reintenta más tarde. La clave de host del servidor se acepta la primera vez y se comprueba cada vez después.
delivery-ftp-tls = TLS explícito (FTPS)
delivery-hint-ftps = Las grabaciones se suben después de cada llamada por FTPS (TLS explícito: el inicio de sesión y las grabaciones van cifrados); una subida fallida se reintenta más tarde. Este equipo debe confiar en el certificado del servidor.
delivery-key-file = Archivo de clave privada (opcional, en lugar de la contraseña)
delivery-password-or-passphrase = Contraseña o frase de contraseña de la clave
delivery-mail-server = Servidor de correo saliente
delivery-hint-email = Las grabaciones se envían por correo después de cada llamada a través de este servidor de correo saliente; un envío fallido se reintenta más tarde. Un mensaje que el servidor rechaza (demasiado grande) no se puede entregar: la grabación sigue en la carpeta de grabaciones.
delivery-hint-email-clear = Sin cifrado, el inicio de sesión y las grabaciones viajan por la red sin cifrar: úselo solo en redes de confianza. Un mensaje que el servidor rechaza (demasiado grande) no se puede entregar.
workspace-encryption = Cifrado
workspace-encryption-switch = Permitir tipos de medios y protocolos de transporte cifrados
workspace-encryption-hint = SRTP-SDES, SRTP-DTLS, TLS y WSS solo pueden elegirse para las cuentas mientras esto esté activado.

## First run
welcome-title = Bienvenido a Handset
welcome-step-user = 1. ¿Quién usa la cuenta?
welcome-user-hint = Cada cuenta SIP se asigna a un usuario del espacio de trabajo. Añada el primero:
welcome-users = Usuarios: { $names }
welcome-step-account = 2. Añadir la primera cuenta SIP
welcome-add-account = Añadir la primera cuenta SIP
welcome-or-import = O importe cuentas SIP desde un archivo CSV:
welcome-skip = Omitir: ir a las cuentas

## Phone
nav-phone = Teléfono
phone-account = Cuenta
phone-number-placeholder = Número o dirección SIP
phone-call = Llamar
phone-dnd = No molestar (rechazar las llamadas entrantes)
phone-no-account = Elija la cuenta desde la que llamar.
phone-outbound-off = Las llamadas salientes están desactivadas para «{ $name }»: actívelas en la sección de llamadas salientes de la cuenta.
phone-enter-number = Escriba un número o use el teclado.
phone-not-a-number = El portapapeles no contiene ningún número de teléfono ni dirección SIP.
phone-call-failed = No se pudo realizar la llamada: { $reason }
phone-history-not-saved = No se pudo guardar el historial de llamadas: { $reason }
phone-history-unreadable = No se pudo leer el historial de llamadas ({ $reason }); las llamadas de esta sesión se conservan hasta cerrar la ventana.
phone-stopped = El teléfono se ha detenido: reinicie Handset para llamar.
phone-recording-saved = Grabación de la llamada guardada: { $path }
phone-recording-delivered = La grabación de la llamada se envió a { $method }.
phone-recording-not-delivered = No se pudo enviar la grabación de la llamada a { $method }: { $reason }. Se reintentará en { $seconds } s; sigue en la carpeta de grabaciones.
phone-recording-rejected = { $method } rechazó la grabación y no se volverá a enviar: { $reason }. Sigue en la carpeta de grabaciones.
phone-recording-failed = La grabación de la llamada falló: { $reason }
reg-registering = Registrando…
reg-registered = Registrada
reg-unregistered = Sin registrar
reg-failed = Error de registro: { $reason }
history-title = Llamadas recientes
history-empty = Todavía no hay llamadas.
history-in = Entrante
history-out = Saliente
history-missed = Perdida
history-declined = Rechazada
history-voicemail = Buzón de voz
history-play-voicemail = Reproducir mensaje
history-failed = Sin respuesta
history-called = { $called } en { $account }

## Calls
call-none = No hay ninguna llamada.
call-dialling = Llamando…
call-ringing = Sonando…
call-incoming = Llamada entrante
call-talking = Conectada
call-on-hold = En espera
call-on-account = En { $account }
call-mute = Silenciar
call-unmute = Activar micrófono
call-hold = Poner en espera
call-resume = Reanudar
call-hangup = Colgar
call-switch = Cambiar a esta llamada
call-others = Otras llamadas
call-unknown = desconocido
call-encrypted = cifrado ({ $method })
call-unencrypted = sin cifrar
call-media = Códec { $codec }, { $encryption }
call-quality = Pérdida { $loss } % · Jitter { $jitter } ms · RTT { $rtt }
call-input-level = Micrófono
call-output-level = Altavoz
call-record = Grabar
call-record-stop = Detener la grabación
call-recording = ● Grabando
call-record-off = La grabación a petición está desactivada en esta cuenta: active «Grabar a petición» en su sección Grabación de llamadas.
call-record-policy = Esta cuenta graba estas llamadas; sin «Grabar a petición» la grabación no se puede pausar.
call-transfer = Transferir
call-transfer-placeholder = Número o dirección SIP
call-transfer-now = Transferir ahora
call-transfer-asked = El otro lado pide transferir esta llamada a { $target }.
call-transfer-accept = Aceptar la transferencia
call-transfer-decline = Rechazar
call-transfer-calling = Llamando a { $target }; esta llamada termina cuando contesten.
call-transfer-cancel = Cancelar
call-transferring = Transfiriendo a { $target }…
call-transfer-accepted = La transferencia fue aceptada; se está conectando a la otra parte…
call-transfer-ringing = Transferencia: sonando…
call-transfer-done = Transferida.
call-transfer-failed = La transferencia falló ({ $code } { $reason }); la llamada continúa.
incoming-title = Llamada entrante
missed-title = Llamada perdida
missed-voicemail = Se dejó un mensaje de voz.
missed-call-back = Devolver la llamada
incoming-called = A { $called } en { $account }
incoming-account = En { $account }
incoming-answer = Contestar
incoming-decline = Rechazar

## Settings: audio
nav-audio = Audio
audio-title = Dispositivos de sonido
audio-applies = Los cambios se aplican a la próxima llamada.
audio-listing = Buscando dispositivos de sonido…
audio-unavailable = No se pueden listar los dispositivos de sonido: { $reason }
audio-input = Micrófono
audio-output = Altavoz
audio-ring = Tono de llamada en
audio-default = Predeterminado del sistema
audio-not-connected = { $name } (no conectado)
audio-test-tone = Reproducir tono de prueba
audio-mic-test = Probar el micrófono
audio-mic-silent = silencio
audio-echo-cancellation = Cancelación de eco
audio-noise-suppression = Supresión de ruido
audio-refresh = Buscar dispositivos de nuevo

## Account problems (the account core's validation; the same text as the command line's)
problem-name-empty = El nombre de la cuenta está vacío: escriba un nombre
problem-name-spaces = El nombre de la cuenta `{ $name }` empieza o termina con espacios: elimínelos
problem-name-long = El nombre de la cuenta tiene más de 64 caracteres: acórtelo
problem-name-control = El nombre de la cuenta contiene caracteres de control: use solo texto imprimible
problem-name-taken = Otra cuenta ya se llama `{ $name }`: elija otro nombre
problem-user-missing = Elija el usuario al que se asigna esta cuenta
problem-user-unknown = `{ $user }` no es un usuario del espacio de trabajo: añádalo primero en Ajustes → Usuarios o elija otro
problem-did-unknown = `{ $number }` no es un número de teléfono del espacio de trabajo: añádalo primero en Ajustes → Números de teléfono
problem-internal-number-unknown = `{ $number }` no es un número interno del espacio de trabajo: añádalo primero en Ajustes → Números internos
problem-greeting-missing = «Desviar al buzón de voz» necesita el audio del buzón: elija un saludo
problem-greeting-unknown = `{ $name }` no es un saludo de buzón de voz: súbalo en Ajustes → Saludos de buzón de voz o elija otro
problem-caller-id-missing = Las llamadas salientes están activadas: seleccione el identificador de llamada externo (un número del espacio de trabajo)
problem-caller-id-unknown = `{ $number }` no es un número de teléfono del espacio de trabajo: añádalo en Ajustes → Números de teléfono o elija otro
problem-internal-caller-id-unknown = `{ $number }` no es un número interno del espacio de trabajo: elija una extensión existente
problem-announcement-unknown = `{ $name }` no es un anuncio: súbalo en Ajustes → Anuncios o elija otro
problem-recording-nothing = La grabación está activada pero no graba nada: marque al menos una dirección o active «Grabar a petición»
problem-feature-code-missing = «Grabar a petición» necesita un código de función para marcar, p. ej. *1
problem-feature-code-invalid = `{ $code }` no es un código de función: use de 1 a 16 de las teclas 0-9, * y #, p. ej. *1
problem-feature-code-clash = `{ $code }` choca con `{ $other }` de la cuenta `{ $account }`: se marcaría uno en lugar del otro; elija un código que no sea prefijo de otro
problem-on-demand-needs-digits = «Grabar a petición» necesita entrada de dígitos: añada telephone-event a los códecs
problem-delivery-unknown = `{ $name }` no es un método de entrega: añádalo en Ajustes → Métodos de entrega o elija otro
problem-allowed-ips-empty = «IP permitidas» está activado pero la lista está vacía: añada las direcciones desde las que se registran los dispositivos o desactívelo
problem-codec-missing = Elija al menos un códec de audio, p. ej. OPUS o PCMU
problem-codec-twice = Un códec aparece dos veces: deje cada uno una sola vez
problem-media-type-missing = Elija al menos un tipo de medio, p. ej. RTP
problem-media-type-twice = Un tipo de medio aparece dos veces: deje cada uno una sola vez
problem-transport-missing = Elija al menos un protocolo de transporte, p. ej. UDP
problem-transport-twice = Un transporte aparece dos veces: deje cada uno una sola vez
problem-encrypted-locked = { $item } está cifrado, y los tipos de medio y transportes cifrados están desactivados en este espacio de trabajo: active primero el cifrado en Ajustes
problem-username-missing = Escriba un nombre de usuario SIP, o déjelo vacío para que se genere uno
problem-username-invalid = `{ $username }` no es un nombre de usuario SIP válido: use hasta 64 letras, dígitos y - _ . ! ~ * ' ( ) & = + $ , ; ? /
problem-username-taken = `{ $address }` ya lo usa otra cuenta: elija otro nombre de usuario
problem-domain-missing = Escriba el dominio SIP o el registrador, p. ej. sip.example.com
problem-host-invalid = `{ $host }` no es un nombre de host ni una dirección IP, p. ej. sip.example.com
problem-port-zero = El puerto 0 no se puede usar: use de 1 a 65535, o déjelo vacío para el predeterminado
problem-port-invalid = `{ $address }` tiene un puerto no válido: use de 1 a 65535

## Messages from the phone (the same text as the command line's)
phone-account-not-active = La cuenta `{ $account }` no está activa
phone-account-removed = La cuenta se ha eliminado
phone-outbound-disabled = Las llamadas salientes están desactivadas para `{ $account }`: actívelas en Llamadas salientes (con un identificador de llamada externo) para llamar
phone-not-connected = Todavía no hay conexión con el servidor
phone-no-server = No se pudo contactar con ningún servidor: { $reasons }
phone-ip-not-allowed = La dirección de este equipo ({ $address }) no está entre las IP permitidas de la cuenta: registro rechazado. Añádala en Avanzado → IP permitidas, o desactive las IP permitidas
phone-sdes-needs-tls = SRTP-SDES enviaría las claves del medio sin cifrar por { $transport }: use TLS o WSS para esta cuenta (primero en Protocolo de transporte), o elija otro tipo de medio
phone-media-failed = El audio de la llamada no puede empezar: { $reason }
phone-ice-failed = ICE no puede empezar: { $reason }
phone-no-rtp-port = No se puede abrir un puerto RTP: { $reason }
phone-call-ended = La llamada ha terminado
phone-no-media-yet = La llamada aún no tiene audio
phone-recording-required = `{ $account }` graba estas llamadas: la grabación no se puede detener sin Grabación a demanda
phone-on-demand-off = La grabación a demanda está desactivada para `{ $account }`: active Grabación a demanda en Grabación de llamadas
phone-no-recordings-folder = No hay carpeta para las grabaciones
phone-no-call-to-transfer = Esa llamada ya no existe
phone-transfer-unanswered = Solo se puede transferir una llamada contestada
phone-transfer-pending = Esta llamada ya se está transfiriendo: espere el resultado
phone-no-transfer-request = El otro lado ya no pide transferir esta llamada
phone-transfer-target-bad = `{ $target }` no es un número ni una dirección SIP a la que transferir
net-dns-failed = No se encuentra el servidor SIP { $host }: { $reason }. Compruebe el dominio (o configure un proxy de salida) y la red
net-cannot-reach = No se puede contactar con { $flow }: { $reason }
tls-bad-ca-file = No se puede leer el archivo de CA { $path }: { $reason }. Indique un archivo PEM con la CA o el certificado del servidor
tls-no-roots = No hay certificados raíz de confianza: instale el paquete de CA del sistema (ca-certificates) o indique la CA del servidor con --tls-ca ARCHIVO
tls-failed = Falló la configuración de TLS: { $reason }

## Messages from the account core (the same text as the command line's)
item-exists = { $kind ->
        [user] El usuario
        [phone-number] El número de teléfono
        [internal-number] El número interno
        [announcement] El anuncio
        [greeting] El saludo del buzón de voz
        [delivery-method] El método de entrega
       *[account] La cuenta
    } `{ $name }` ya existe: elija otro
item-not-found = No hay { $kind ->
        [user] ningún usuario
        [phone-number] ningún número de teléfono
        [internal-number] ningún número interno
        [announcement] ningún anuncio
        [greeting] ningún saludo del buzón de voz
        [delivery-method] ningún método de entrega
       *[account] ninguna cuenta
    } `{ $name }`: compruebe la ortografía (véalos con `handset { $command }`)
item-in-use = { $kind ->
        [user] El usuario
        [phone-number] El número de teléfono
        [internal-number] El número interno
        [announcement] El anuncio
        [greeting] El saludo del buzón de voz
        [delivery-method] El método de entrega
       *[account] La cuenta
    } `{ $name }` lo usa { $accounts }: cambie o elimine esas cuentas primero
item-built-in = { $kind ->
        [greeting] El saludo del buzón de voz
       *[announcement] El anuncio
    } `{ $name }` viene incluido y no se puede eliminar
item-not-audio = { $kind ->
        [user] Un usuario
        [phone-number] Un número de teléfono
        [internal-number] Un número interno
        [delivery-method] Un método de entrega
       *[account] Una cuenta
    } no es un elemento de audio
item-name-empty = El nombre { $kind ->
        [user] del usuario
        [phone-number] del número de teléfono
        [internal-number] del número interno
        [announcement] del anuncio
        [greeting] del saludo del buzón de voz
        [delivery-method] del método de entrega
       *[account] de la cuenta
    } está vacío: escriba un nombre
item-name-spaces = El nombre { $kind ->
        [user] del usuario
        [phone-number] del número de teléfono
        [internal-number] del número interno
        [announcement] del anuncio
        [greeting] del saludo del buzón de voz
        [delivery-method] del método de entrega
       *[account] de la cuenta
    } `{ $name }` empieza o termina con espacios: quítelos
item-name-long = El nombre { $kind ->
        [user] del usuario
        [phone-number] del número de teléfono
        [internal-number] del número interno
        [announcement] del anuncio
        [greeting] del saludo del buzón de voz
        [delivery-method] del método de entrega
       *[account] de la cuenta
    } tiene más de 64 caracteres: acórtelo
item-name-control = El nombre { $kind ->
        [user] del usuario
        [phone-number] del número de teléfono
        [internal-number] del número interno
        [announcement] del anuncio
        [greeting] del saludo del buzón de voz
        [delivery-method] del método de entrega
       *[account] de la cuenta
    } contiene caracteres de control: use solo texto imprimible
item-number-no-plus = `{ $number }` no está en formato E.164: empiece con + y el código de país, p. ej. +14155550100
item-number-invalid = `{ $number }` no está en formato E.164: + seguido de 8 a 15 dígitos, primero el código de país, p. ej. +14155550100
item-extension-invalid = `{ $extension }` no es un número interno: use de 2 a 8 dígitos, p. ej. 101
item-email-invalid = `{ $address }` no es una dirección de correo electrónico, p. ej. recordings@example.com
item-port-zero = El puerto 0 no se puede usar: use de 1 a 65535
item-folder-empty = La carpeta está vacía: escriba la carpeta de las grabaciones, p. ej. /Recordings
item-key-file-missing = No hay ningún archivo de clave en { $file }: indique la ruta de la clave privada para iniciar sesión (p. ej. ~/.ssh/id_ed25519) o déjelo vacío para iniciar sesión con la contraseña
encryption-in-use = El cifrado no se puede desactivar mientras haya cuentas que usen tipos de medio o transportes cifrados ({ $accounts }): cambie esas cuentas primero
store-no-home = No se encontró la carpeta personal: indique --profile CARPETA o defina HANDSET_PROFILE
store-io = No se puede { $action ->
        [create] crear
        [read] leer
        [write] escribir
        [lock] bloquear
        [copy] copiar
       *[encode] codificar
    } { $path }: { $reason }. Compruebe que la carpeta existe, se puede escribir y el disco no está lleno
store-damaged = El perfil { $path } está dañado ({ $reason }). No se ha tocado y se guardó una copia en { $copy }. Repárelo a mano o apártelo para empezar con un perfil vacío
store-too-new = El perfil { $path } lo escribió un Handset más reciente (versión de esquema { $found }, esta lee hasta la { $supported }): actualice Handset
store-locked = El perfil { $path } lo está usando otro proceso de Handset: ciérrelo o vuelva a intentarlo
keyring-unavailable = El llavero del sistema no está disponible ({ $reason }). Handset guarda las contraseñas solo en el llavero del sistema: en Linux inicie y desbloquee un proveedor de Secret Service (GNOME Keyring, KWallet o KeePassXC) y vuelva a intentarlo
keyring-locked = El llavero del sistema ha denegado el acceso ({ $reason }): desbloquéelo y vuelva a intentarlo
keyring-failed = El llavero del sistema ha fallado ({ $reason })
audio-read = No se puede leer { $path }: { $reason }
audio-unsupported = { $path } no es un archivo de audio que Handset pueda leer ({ $reason }): use WAV, MP3, Ogg Vorbis, FLAC o M4A
audio-empty = { $path } no contiene audio
audio-too-long = { $path } dura más de { $minutes } minutos: recórtelo primero
audio-write = No se puede escribir { $path }: { $reason }. Compruebe el espacio libre en disco
device-none = No hay dispositivo de audio de { $direction ->
        [input] entrada
       *[output] salida
    }: ¿está en marcha PulseAudio (o PipeWire)? ({ $reason })
device-unknown = No hay ningún dispositivo de audio de { $direction ->
        [input] entrada
       *[output] salida
    } llamado `{ $name }`; disponibles: { $available }
device-open-failed = No se puede abrir el dispositivo de audio de { $direction ->
        [input] entrada
       *[output] salida
    } `{ $name }`: { $reason }
device-resampler = No se puede convertir entre { $from } Hz y { $to } Hz: { $reason }
history-damaged = El historial de llamadas { $path } está dañado ({ $reason }); apártelo para empezar uno nuevo
history-unreadable = No se puede leer el historial de llamadas { $path }: { $reason }
history-unsaved = No se puede guardar el historial de llamadas { $path }: { $reason }
reg-wrong-credentials = El servidor rechazó el nombre de usuario o la contraseña: compruébelos
reg-auth-unsupported = El servidor pide un método de autenticación que Handset no admite
reg-min-expires-missing = El registrador quiere un registro más largo pero no indicó Min-Expires
reg-unavailable = El servidor no está disponible (503)
reg-unknown-user = El servidor no conoce a este usuario: compruebe el nombre de usuario y el dominio
reg-answered = El registrador respondió { $code }
reg-connection-lost = Se perdió la conexión con el servidor
reg-no-answer = Sin respuesta del registrador
reg-keepalive-lost = El servidor dejó de responder a los keep-alives
reg-outside-allowed-ips = El servidor ve este teléfono en { $address }, que no está entre las IP permitidas
transfer-no-call = La llamada no existe
transfer-not-established = Solo se puede transferir una llamada establecida
transfer-under-way = Ya hay una transferencia de esta llamada en curso
transfer-target-not-uri = El destino de la transferencia no es una URI SIP
transfer-auth-unsupported = El servidor pide una autenticación no admitida
transfer-no-answer = El otro extremo no respondió a la solicitud de transferencia
transfer-no-final = La transferencia terminó sin respuesta final
transfer-silent = Sin noticias de la transferencia durante 30 s
# A reason phrase from a SIP answer, shown as the far end wrote it.
sip-reason = { $phrase }

## Delivery of recordings
ftp-failed = No se pudo entregar al servidor FTP { $server }: { $reason }
ftp-login-refused = El servidor FTP { $server } rechazó el nombre de usuario o la contraseña: compruébelos en el método de entrega
sftp-failed = No se pudo entregar al servidor SFTP { $server }: { $reason }
sftp-login-refused = El servidor SFTP { $server } rechazó el inicio de sesión: compruebe el usuario y la contraseña o el archivo de clave en el método de entrega
sftp-key-unreadable = No se puede usar el archivo de clave { $file }: { $reason }. Indique una clave privada OpenSSH o PEM y, si tiene, su frase de contraseña como contraseña
sftp-host-key-changed = El servidor SFTP { $server } muestra otra clave de host ({ $shown }) que antes ({ $expected }): alguien podría estar en medio. Si la clave se cambió a propósito, quite su línea de { $file }
smtp-failed = No se pudo enviar la grabación a través del servidor de correo { $server }: { $reason }
smtp-bad-address = `{ $address }` no es una dirección de correo que un servidor acepte: compruebe el método de entrega
smtp-no-starttls = El servidor de correo { $server } no ofrece STARTTLS: elija TLS (puerto 465) en el método de entrega o compruebe el servidor y el puerto
smtp-login-refused = El servidor de correo { $server } rechazó el nombre de usuario o la contraseña: compruébelos en el método de entrega
smtp-rejected = El servidor de correo { $server } rechazó el mensaje ({ $reply })
outbox-damaged = La entrega pendiente { $path } no se puede leer ({ $reason }); se ha dejado como estaba
outbox-unsaved = No se puede guardar la cola de entregas en { $path }: { $reason }. Compruebe que la carpeta se puede escribir y el disco no está lleno
delivery-method-missing = Ya no existe el método de entrega `{ $method }`: vuelva a añadirlo en Ajustes → Métodos de entrega o elija otro para la cuenta
delivery-unreadable = No se puede leer la grabación { $path }: { $reason }
delivery-email-no-server = El método de entrega `{ $method }` no tiene servidor de correo saliente: añada uno en Ajustes → Métodos de entrega; la grabación sigue en la cola
mail-recording-subject = Grabación de llamada { $file }
mail-recording-body = Handset grabó una llamada de la cuenta { $account }. La grabación { $file } ({ $kilobytes } kB) va adjunta.

# Cloud drives (src/phone/cloud_delivery.rs, src/net/oauth.rs)
delivery-client-id = ID de cliente OAuth (opcional)
delivery-hint-cloud = Tras añadirlo, inicie sesión en el servicio con el botón Iniciar sesión de la lista (se abre el navegador); el token de actualización va al llavero. Hasta entonces las grabaciones esperan en la cola.
delivery-sign-in = Iniciar sesión
cloud-not-signed-in = { $service } ({ $method }) no tiene la sesión iniciada: iníciela desde el panel Espacio de trabajo (o `handset workspace sign-in { $method }`); la grabación sigue en la cola
cloud-sign-in-again = { $service } ya no acepta la sesión de { $method } ({ $reason }): vuelva a iniciarla desde el panel Espacio de trabajo; la grabación sigue en la cola
cloud-token-failed = no se puede renovar la sesión de { $method } en { $service }: { $reason }
cloud-full = { $service } está lleno ({ $reason }): libere espacio allí; la grabación sigue en la cola
cloud-failed = No se pudo entregar a { $service }: { $reason }
cloud-no-client-id = { $method } no tiene ID de cliente OAuth: indique el de la aplicación registrada en { $service } (`--client-id`)
cloud-signed-in = { $method } tiene la sesión iniciada en { $service }; su token de actualización está en el llavero
cloud-not-cloud = { $method } no es un método de Dropbox, Google Drive ni OneDrive
delivery-client-secret = Secreto de cliente OAuth (Google)
transfer-no-consultation = no hay una llamada de consulta contestada a la que transferir
call-put-through = Pasar llamada

# Settings → Diagnostics
nav-diagnostics = Diagnóstico
diag-title = Diagnóstico
diag-hint = Las líneas de registro más recientes y, mientras las graba, los mensajes SIP: contraseñas, claves y tokens aparecen ocultos. «Copiar diagnóstico» pone un informe para soporte en el portapapeles (sin usuario ni contraseña).
diag-log = Registro
diag-sip = Mensajes SIP
diag-record = Grabar mensajes SIP
diag-filter = Filtrar
diag-refresh = Actualizar
diag-copy = Copiar diagnóstico
diag-copied = El informe de diagnóstico está en el portapapeles.
diag-empty = Nada que mostrar.
diag-sip-off = Los mensajes SIP solo se graban mientras «Grabar mensajes SIP» está activado (contienen números y direcciones).
diag-sent = enviado a
diag-received = recibido de
