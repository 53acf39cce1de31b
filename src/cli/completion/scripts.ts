// The scripts `kvkey completion <shell>` prints. Each is a thin adapter: it hands the command line up
// to the cursor to `kvkey __complete` and shows what comes back, so commands, flags, choices and key
// names are always those of the installed kvkey (see request.ts for the protocol).

export const SHELLS = ["bash", "zsh", "fish", "powershell"] as const;
export type Shell = (typeof SHELLS)[number];

const BASH = String.raw`# kvkey completion for bash.
# This shell only:  source <(kvkey completion bash)
# Every shell:      kvkey completion bash > ~/.local/share/bash-completion/completions/kvkey
_kvkey_complete() {
    local cur="${"$"}{COMP_WORDS[COMP_CWORD]}"
    local line="${"$"}{COMP_LINE:0:COMP_POINT}"
    local IFS=$'\n'
    local -a out
    out=($(command kvkey __complete --shell bash --line "$line" --cur "$cur" 2>/dev/null))
    COMPREPLY=()
    local n=${"$"}{#out[@]}
    (( n == 0 )) && return 0
    local last="${"$"}{out[n-1]}"
    if [[ "$last" == ":files" ]]; then
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        return 0
    fi
    if [[ "$last" == ":nospace" ]]; then
        compopt -o nospace 2>/dev/null
        unset "out[n-1]"
    fi
    local item
    for item in "${"$"}{out[@]}"; do
        COMPREPLY+=("${"$"}{item%%$'\t'*}")
    done
    return 0
}
complete -F _kvkey_complete kvkey
`;

const ZSH = String.raw`#compdef kvkey
# kvkey completion for zsh.
# This shell only:  source <(kvkey completion zsh)
# Every shell:      kvkey completion zsh > "${"$"}{fpath[1]}/_kvkey"  (then start a new shell)
_kvkey() {
    local line="${"$"}{(j: :)words[1,CURRENT]}"
    local -a out described
    out=("${"$"}{(@f)$(command kvkey __complete --shell zsh --line "$line" 2>/dev/null)}")
    local last="${"$"}{out[-1]}"
    if [[ "$last" == ":files" ]]; then
        _files
        return
    fi
    local nospace=0
    if [[ "$last" == ":nospace" ]]; then
        nospace=1
        out=("${"$"}{(@)out[1,-2]}")
    fi
    local item value desc
    for item in "${"$"}{out[@]}"; do
        [[ -z "$item" ]] && continue
        value="${"$"}{item%%$'\t'*}"
        desc=""
        [[ "$item" == *$'\t'* ]] && desc="${"$"}{item#*$'\t'}"
        described+=("${"$"}{value//:/\\:}${"$"}{desc:+:$desc}")
    done
    (( ${"$"}{#described} )) || return 1
    if (( nospace )); then
        _describe -t values 'kvkey' described -S ''
    else
        _describe -t values 'kvkey' described
    fi
}
if [[ "${"$"}{funcstack[1]}" == "_kvkey" ]]; then
    _kvkey "$@"
else
    compdef _kvkey kvkey
fi
`;

const FISH = String.raw`# kvkey completion for fish.
# This shell only:  kvkey completion fish | source
# Every shell:      kvkey completion fish > ~/.config/fish/completions/kvkey.fish
function __kvkey_complete
    set -l out (command kvkey __complete --shell fish --line (commandline -cp) 2>/dev/null)
    if test (count $out) -gt 0; and test "$out[-1]" = ":files"
        __fish_complete_path (commandline -ct)
        return
    end
    for item in $out
        if test "$item" != ":nospace"
            echo $item
        end
    end
end
complete -c kvkey -f -a '(__kvkey_complete)'
`;

// PowerShell hands a native command's completer the command's syntax tree, which ends at its last word:
// a cursor after a trailing space is put back as a space. Returning nothing lets PowerShell complete
// file names itself (the :files answer). Values with characters PowerShell treats specially are quoted.
const POWERSHELL = String.raw`# kvkey completion for PowerShell.
# This session only:  kvkey completion powershell | Out-String | Invoke-Expression
# Every session:      kvkey completion powershell >> $PROFILE
Register-ArgumentCompleter -Native -CommandName kvkey -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $line = $commandAst.Extent.Text
    $upTo = $cursorPosition - $commandAst.Extent.StartOffset
    if ($upTo -lt $line.Length) { $line = $line.Substring(0, $upTo) }
    elseif ($upTo -gt $line.Length) { $line = $line + ' ' }
    $out = @(& kvkey __complete --shell powershell --line $line 2>$null)
    if ($out.Count -eq 0 -or $out[-1] -eq ':files') { return }
    foreach ($item in $out) {
        if ($item -eq '' -or $item -eq ':nospace') { continue }
        $parts = $item -split "${"`"}t", 2
        $value = $parts[0]
        $tip = if ($parts.Count -gt 1 -and $parts[1]) { $parts[1] } else { $value }
        $text = if ($value -match '[\s''"${"`"}$(){}|&;,<>@#]') { "'" + ($value -replace "'", "''") + "'" } else { $value }
        [System.Management.Automation.CompletionResult]::new($text, $value, 'ParameterValue', $tip)
    }
}
`;

export function completionScript(shell: Shell): string {
  return { bash: BASH, zsh: ZSH, fish: FISH, powershell: POWERSHELL }[shell];
}
