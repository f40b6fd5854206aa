; integer.asm - integer instruction smoke test: a table of cases (generated
; by tools/gen-integer-table.py from the SDM's Operation and Flags Affected
; sections), each run from fixed registers and EFLAGS, checking EAX, EDX and
; the defined flags. The SDM's undefined flags are masked out.
%include "lib.inc"
%include "integer-cases.inc"

section .text
test_main:
	mov ebp, cases
.next:
	cmp ebp, cases_end
	jae .done
	mov eax, [ebp + 4]
	mov ebx, [ebp + 8]
	mov ecx, ebx
	mov edx, [ebp + 12]
	push dword [ebp + 16]
	popfd
	call [ebp]
	pushfd
	pop esi
	and eax, [ebp + 36]                ; EAX mask
	push dword [ebp + 40]
	mov edi, [ebp + 20]
	and edi, [ebp + 36]
	push edi
	push eax
	call check_eq
	add esp, 12
	push dword [ebp + 44]
	push dword [ebp + 24]
	push edx
	call check_eq
	add esp, 12
	and esi, [ebp + 32]                ; flag mask
	push dword [ebp + 48]
	push dword [ebp + 28]
	push esi
	call check_eq
	add esp, 12
	add ebp, CASE_SIZE
	jmp .next
.done:
	ret
