; exceptions.asm - one stub per vector that records the exception (vector,
; error code, the frame the CPU pushed, CR2), then either resumes at the
; recovery point set by TRY, returns from a trap, or reports the exception
; as a failure. Also the ring-3 entry helper, which returns through the
; same path (INT VEC_RING0).
bits 32
%include "defs.inc"

extern puts, puthex, put_nl, exit_guest, ring3_stack_top
global exc_stubs, exc_reset, enter_ring3
global exc_vector, exc_error, exc_eip, exc_cs, exc_eflags, exc_frame
global exc_count, exc_cr2, recover_eip, recover_esp

; Vectors for which the CPU pushes an error code (SDM vol. 3, table 6-1).
%define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17)

section .text
%assign v 0
%rep 256
stub_%+v:
%if !HAS_ERROR(v)
	push dword NO_ERROR
%endif
	push dword v
	jmp exc_common
%assign v v+1
%endrep

; Stack on entry: vector, error code, then the CPU's frame (EIP, CS,
; EFLAGS, and ESP, SS [, ES, DS, FS, GS] on a privilege or V86 change).
exc_common:
	push ds
	push eax
	mov ax, SEL_DATA0
	mov ds, ax
	mov eax, [esp + 8]
	mov [exc_vector], eax
	mov eax, [esp + 12]
	mov [exc_error], eax
	mov eax, cr2
	mov [exc_cr2], eax
	inc dword [exc_count]
	push ecx
	xor ecx, ecx
.copy:
	mov eax, [esp + 20 + ecx * 4]
	mov [exc_frame + ecx * 4], eax
	inc ecx
	cmp ecx, 9
	jb .copy
	pop ecx
	mov eax, [exc_frame]
	mov [exc_eip], eax
	mov eax, [exc_frame + 4]
	mov [exc_cs], eax
	mov eax, [exc_frame + 8]
	mov [exc_eflags], eax
	cmp dword [exc_vector], VEC_RING0 ; the end of an enter_ring3 call
	jne .not_ring3_return
	cmp dword [ring3_esp], 0
	jne .ring3_return
.not_ring3_return:
	mov eax, [recover_eip]
	test eax, eax
	jnz .recover
	mov eax, [exc_vector]
	cmp eax, 1                        ; #DB, #BP, #OF and external or software
	je .resume                        ; interrupts (vector >= 32) resume
	cmp eax, 3
	je .resume
	cmp eax, 4
	je .resume
	cmp eax, 32
	jae .resume
	mov esi, msg_unexpected
	call puts
	mov eax, [exc_vector]
	call puthex
	mov esi, msg_error
	call puts
	mov eax, [exc_error]
	call puthex
	mov esi, msg_at
	call puts
	mov eax, [exc_cs]
	call puthex
	mov esi, msg_colon
	call puts
	mov eax, [exc_eip]
	call puthex
	call put_nl
	push dword 2
	call exit_guest
.resume:
	pop eax
	pop ds
	add esp, 8
	iretd
.ring3_return:
	mov eax, [esp]                    ; the ring-3 EAX is enter_ring3's result
	mov esp, [ring3_esp]
	mov dword [ring3_esp], 0
	call flat_state
	pop ebp
	pop edi
	pop esi
	pop ebx
	ret
.recover:
	mov [exc_target], eax
	mov dword [recover_eip], 0
	mov dword [ring3_esp], 0          ; an enter_ring3 inside TRY is abandoned
	mov esp, [recover_esp]
	call flat_state
	jmp [exc_target]

; Back to the kernel's flat ring-0 segments with EFLAGS=2; keeps EAX.
flat_state:
	push eax
	mov ax, SEL_DATA0
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	push dword 2
	popfd
	pop eax
	ret

; exc_reset(): forget the last recorded exception.
exc_reset:
	mov dword [exc_vector], NO_VECTOR
	mov dword [exc_error], NO_ERROR
	mov dword [exc_eip], 0
	mov dword [exc_cs], 0
	mov dword [exc_count], 0
	ret

; enter_ring3(eip, eflags): runs the code at eip in ring 3 (flat ring-3
; segments, its own stack) with the given EFLAGS; returns in ring 0 when
; that code executes INT VEC_RING0, with the ring-3 EAX as result.
enter_ring3:
	push ebx
	push esi
	push edi
	push ebp
	mov [ring3_esp], esp
	mov eax, [esp + 20]
	mov edx, [esp + 24]
	mov cx, SEL_DATA3
	mov ds, cx
	mov es, cx
	mov fs, cx
	mov gs, cx
	push dword SEL_DATA3
	push dword ring3_stack_top
	push edx
	push dword SEL_CODE3
	push eax
	iretd

section .rodata
msg_unexpected: db "not ok - unexpected exception ", 0
msg_error: db " error ", 0
msg_at: db " at ", 0
msg_colon: db ":", 0

section .data
align 4
exc_stubs:
%assign v 0
%rep 256
	dd stub_%+v
%assign v v+1
%endrep
exc_vector: dd NO_VECTOR
exc_error: dd NO_ERROR
exc_eip: dd 0
exc_cs: dd 0
exc_eflags: dd 0
exc_count: dd 0
exc_cr2: dd 0
exc_frame: times 9 dd 0
recover_eip: dd 0
recover_esp: dd 0
ring3_esp: dd 0
exc_target: dd 0
