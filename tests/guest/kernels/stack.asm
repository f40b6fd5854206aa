; stack.asm - stack and control-transfer instructions: PUSH ESP, POP ESP,
; POP to an ESP-relative address, PUSHAD/POPAD, ENTER with nesting levels,
; LEAVE, RET imm16, 16-bit PUSH/POP, far CALL/RET at the same level,
; LOOP/LOOPE/LOOPNE/JECXZ, XCHG with memory, XLATB, CMPXCHG8B and CMPXCHG
; on mismatch (SDM vol. 2).
%include "lib.inc"

section .text
test_main:
	; PUSH ESP pushes the value before the push; POP ESP loads the popped
	; value; POP [ESP+4] computes the address after the pop.
	mov ebx, esp
	push esp
	pop eax
	CHECK eax, ebx, "PUSH ESP pushes the old ESP"
	mov ebx, esp
	push dword 0x1234
	pop esp
	mov ecx, esp
	mov esp, ebx
	CHECK ecx, 0x1234, "POP ESP loads the popped value"
	push dword 0                       ; [esp+4] before the pop
	push dword 0                       ; [esp] before the pop
	push dword 0x5678                  ; the value popped
	pop dword [esp + 4]                ; ESP already incremented: [old esp + 8]
	pop eax
	pop ecx
	CHECK ecx, 0x5678, "POP [ESP+4] uses ESP after the increment"
	CHECK eax, 0, "POP [ESP+4] leaves the slot below"

	; PUSHAD / POPAD: the pushed ESP is the value before PUSHAD; POPAD
	; skips it.
	mov eax, 1
	mov ecx, 2
	mov edx, 3
	mov ebx, 4
	mov ebp, 6
	mov esi, 7
	mov edi, 8
	mov [saved_esp], esp
	pushad
	mov eax, [esp + 28]
	CHECK eax, 1, "PUSHAD: EAX at the top of the block"
	mov eax, [esp]
	CHECK eax, 8, "PUSHAD: EDI at the bottom"
	mov eax, [esp + 12]
	CHECK eax, [saved_esp], "PUSHAD stores the original ESP"
	mov dword [esp + 12], 0xDEAD       ; POPAD ignores it
	mov dword [esp + 28], 0x11
	popad
	CHECK eax, 0x11, "POPAD loads EAX"
	mov edi, esp
	CHECK edi, [saved_esp], "POPAD does not load ESP"

	; ENTER size, level and LEAVE (SDM ENTER: the frame pointers are
	; copied from the enclosing frames).
	mov ebp, 0x4444
	mov ebx, esp
	enter 8, 0
	mov ecx, ebp
	lea edx, [ebx - 4]
	CHECK ecx, edx, "ENTER 8,0: EBP is the frame"
	lea edx, [ebx - 12]
	mov edi, esp
	CHECK edi, edx, "ENTER 8,0: ESP below the locals"
	CHECK [ebp], 0x4444, "ENTER pushes the old EBP"
	leave
	mov edi, esp
	CHECK edi, ebx, "LEAVE restores ESP"
	CHECK ebp, 0x4444, "LEAVE restores EBP"
	; level 2: pushes old EBP, one copied frame pointer, then the new EBP
	mov [outer_frame], ebx
	lea ebp, [outer_frame + 4]         ; an enclosing frame: [ebp-4] is its link
	mov ebx, esp
	enter 4, 2
	CHECK [ebp - 4], [outer_frame], "ENTER 4,2 copies the enclosing frame pointer"
	mov eax, ebp
	CHECK [ebp - 8], eax, "ENTER 4,2 pushes the new frame pointer"
	lea edx, [ebx - 16]
	mov edi, esp
	CHECK edi, edx, "ENTER 4,2: ESP after 3 pointers and 4 bytes"
	leave
	mov edi, esp
	CHECK edi, ebx, "LEAVE after ENTER 4,2"

	; RET imm16 releases the arguments.
	mov ebx, esp
	push dword 1
	push dword 2
	call ret8
	mov edi, esp
	CHECK edi, ebx, "RET 8 releases the arguments"

	; 16-bit PUSH/POP (66h) move ESP by 2.
	mov ebx, esp
	push word 0xABCD
	mov ecx, esp
	pop ax
	lea edx, [ebx - 2]
	CHECK ecx, edx, "PUSH imm16 with 66h moves ESP by 2"
	movzx eax, ax
	CHECK eax, 0xABCD, "POP AX"

	; Far CALL / RETF at the same privilege level.
	call SEL_CODE0:far_target
	CHECK eax, SEL_CODE0, "far CALL pushes CS"

	; LOOP family and JECXZ.
	mov ecx, 5
	xor eax, eax
.loop:	inc eax
	loop .loop
	CHECK eax, 5, "LOOP runs ECX times"
	mov ecx, 5
	mov eax, 3
.loope:	dec eax
	cmp eax, 0
	loopne .loope
	CHECK eax, 0, "LOOPNE stops when ZF=1"
	CHECK ecx, 2, "LOOPNE decrements ECX each time"
	xor ecx, ecx
	mov eax, 0
	jecxz .zero
	mov eax, 1
.zero:	CHECK eax, 0, "JECXZ jumps when ECX=0"
	mov ecx, 0x10000
	mov eax, 0
	a16 jcxz .cx_zero                  ; CX is 0
	mov eax, 1
.cx_zero:
	CHECK eax, 0, "JCXZ tests CX only"

	; XCHG with memory, XLATB.
	mov dword [var], 0x1111
	mov eax, 0x2222
	xchg [var], eax
	CHECK eax, 0x1111, "XCHG m32: the old memory value"
	CHECK [var], 0x2222, "XCHG m32: the register value in memory"
	mov ebx, table
	mov eax, 0xFFFFFF03
	xlatb
	CHECK eax, 0xFFFFFF33, "XLATB replaces AL with [EBX+AL]"

	; CMPXCHG8B and CMPXCHG when the comparison fails.
	mov dword [qvar], 1
	mov dword [qvar + 4], 2
	mov eax, 5
	mov edx, 6
	mov ebx, 7
	mov ecx, 8
	cmpxchg8b [qvar]
	setz bl
	movzx ebx, bl
	CHECK ebx, 0, "CMPXCHG8B mismatch clears ZF"
	CHECK eax, 1, "CMPXCHG8B mismatch loads EAX"
	CHECK edx, 2, "CMPXCHG8B mismatch loads EDX"
	CHECK [qvar], 1, "CMPXCHG8B mismatch leaves memory"
	TRY
	cmpxchg8b [qvar]
	ENDTRY
	CHECK [exc_vector], NO_VECTOR, "CMPXCHG8B with a memory operand"
	TRY
	db 0x0F, 0xC7, 0xC8                ; CMPXCHG8B with a register operand
	ENDTRY
	EXPECT_EXC 6, NO_ERROR, "#UD for CMPXCHG8B with a register operand"
	mov byte [var], 0x10
	mov al, 0x20
	mov bl, 0x30
	cmpxchg [var], bl
	movzx eax, al
	CHECK eax, 0x10, "CMPXCHG m8 mismatch loads AL"
	movzx eax, byte [var]
	CHECK eax, 0x10, "CMPXCHG m8 mismatch leaves memory"
	mov dword [var], 10
	mov eax, 5
	lock xadd [var], eax
	CHECK eax, 10, "LOCK XADD returns the old value"
	CHECK [var], 15, "LOCK XADD stores the sum"

	; CMOVcc reads its source even when the condition is false (SDM CMOVcc).
	mov eax, 1
	cmp eax, eax                       ; ZF=1
	cmovne eax, [var]
	CHECK eax, 1, "CMOVNE with ZF=1 keeps the destination"
	cmove eax, [var]
	CHECK eax, 15, "CMOVE with ZF=1 loads"

	; POPFD at CPL 0 with every bit set but TF: the reserved bits stay as
	; they are (1 is 1, 3/5/15 are 0), RF is cleared, VM/VIF/VIP unaffected
	; (SDM vol. 1, 3.4.3; POPF).
	push dword ~0x100
	popfd
	pushfd
	pop eax
	push dword 2
	popfd
	CHECK eax, 0x00247ED7, "POPFD of all ones (but TF), then PUSHFD"
	push dword 0
	popfd
	pushfd
	pop eax
	push dword 2
	popfd
	CHECK eax, 2, "POPFD of 0: bit 1 still reads 1"
	ret

ret8:	ret 8
far_target:
	mov eax, [esp + 4]
	and eax, 0xFFFF
	retf

section .data
align 8
qvar: dd 0, 0
var: dd 0
saved_esp: dd 0
outer_frame: dd 0, 0
table: db 0x00, 0x11, 0x22, 0x33
