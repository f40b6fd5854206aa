; loop.asm - a multiboot guest whose compute loop retires a known number of
; instructions (a checksum over a 4 KiB buffer, repeated), for measuring an
; engine's guest instructions per second.
bits 32

MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00010000           ; a.out kludge: addresses below
ROUNDS   equ 40000                ; 40000 rounds x 1024 iterations x 7 insns

section .text
org 0x100000
header:
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
    dd header, header, end_of_image, end_of_bss, start

start:
    mov esp, stack_top
    mov eax, 0x12345678           ; running checksum
    mov ebp, ROUNDS
.round:
    mov esi, buffer
    mov ecx, 1024
.word:                            ; 7 instructions per iteration
    add eax, [esi]
    rol eax, 3
    xor [esi], eax
    add esi, 4
    dec ecx
    lea edx, [eax + ecx]
    jnz .word
    dec ebp
    jnz .round
    ; report the checksum on COM1 as 8 hex digits, then exit through
    ; isa-debug-exit with value 0
    mov ebx, eax
    mov ecx, 8
.hex:
    rol ebx, 4
    mov eax, ebx
    and eax, 0xf
    mov al, [digits + eax]
    mov dx, 0x3f8
    out dx, al
    loop .hex
    mov al, 10
    out dx, al
    xor eax, eax
    out 0xf4, al
    hlt

digits: db "0123456789abcdef"
align 4
end_of_image:
buffer: times 1024 dd 0
    times 4096 db 0
stack_top:
end_of_bss:
